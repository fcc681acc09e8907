// The job-details page: header with status and server badge, actions, failure, training curves,
// summary, costs, hyperparameters, files and the status timeline. It says "ready", then redraws on
// every `job` message; the last model is kept with setState so a hidden-and-shown panel redraws at once.
// When the server can no longer show the job (a restarted sandbox, an unreachable server) the host sends the
// details shown before with the reason as a calm notice on top, not an error in their place.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import { object, type infer as Infer } from 'zod/mini';
import { append, codicon, custom, el, themeColorVar } from './dom';
import { LossChart } from './lossChart';
import { hostToWebviewSchema, jobDetailsModelSchema, type JobAction, type WebviewToHost } from './messages';

type JobModel = Infer<typeof jobDetailsModelSchema>;

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

const savedStateSchema = object({ job: jobDetailsModelSchema });

export function startJobDetails(vscode: VsCodeApi, root: HTMLElement): void {
  const send = (msg: WebviewToHost) => vscode.postMessage(msg);
  let chart: LossChart | undefined;
  let chartHost: HTMLElement | undefined;
  let shown: JobModel | undefined;

  const render = (job: JobModel, save = true) => {
    shown = job;
    if (save) vscode.setState({ job });
    // The chart element is kept across redraws so uPlot updates in place instead of flickering.
    chartHost ??= el('div', { class: 'chart', role: 'img', 'aria-label': 'Training and validation loss per step' });
    const parts: (Node | undefined)[] = [
      header(job),
      job.notice ? el('div', { class: 'notice', role: 'status' }, codicon('info'), ' ', job.notice) : undefined,
      actions(job, (a) => send({ type: 'action', action: a })),
      job.failure ? el('div', { class: 'failure', role: 'alert' }, codicon('error'), ' ', job.failure) : undefined,
      section('Training curves', job.latest ? el('p', { class: 'latest' }, job.latest) : undefined, chartHost, chartCaption(job)),
      job.commands?.length ? section('Serve and evaluate', commandList(job.commands, (text) => send({ type: 'copy', text }))) : undefined,
      el('div', { class: 'grid' }, section('Job', table(job.summary)), section('Cost and tokens', job.costs.length ? table(job.costs) : el('p', { class: 'muted' }, 'The service fills these in once it has validated the data.')), section('Hyperparameters', table(job.hyperparameters)), section('Files', table(job.files))),
      section('Timeline', timeline(job)),
    ];
    root.replaceChildren(...parts.filter((n): n is Node => n !== undefined));
    chartHost.hidden = job.series.steps.length === 0;
    if (job.series.steps.length) {
      chart ??= new LossChart(chartHost);
      chart.update(job.series);
    }
  };

  window.addEventListener('message', (event: MessageEvent) => {
    const parsed = hostToWebviewSchema.safeParse(event.data);
    if (!parsed.success) return; // not ours, or malformed: never draw unvalidated data
    const msg = parsed.data;
    if (msg.type === 'job') render(msg.job);
    // The host keeps what was shown when the job goes missing; an error without it is still a calm notice, and
    // what the page shows stays under it, without actions that can no longer work.
    else if (shown) render({ ...shown, notice: msg.message, canStart: false, canCancel: false, active: false }, false);
    else root.replaceChildren(el('p', { class: 'notice', role: 'status' }, codicon('info'), ' ', msg.message));
  });

  const saved = savedStateSchema.safeParse(vscode.getState());
  if (saved.success) render(saved.data.job);
  send({ type: 'ready' });
}

function chartCaption(job: JobModel): HTMLElement | undefined {
  const n = job.series.steps.length;
  if (n === 0) return el('p', { class: 'muted' }, job.recorded ? 'The chart was not recorded with the job.' : job.active ? 'No checkpoint yet: the chart fills in while the job runs.' : 'This job reported no checkpoints.');
  if (n === 1) return el('p', { class: 'muted' }, job.active ? 'One checkpoint so far: the curve grows with each new one.' : 'The job reported one checkpoint: each metric is a single point.');
  return undefined;
}

function header(job: JobModel): HTMLElement {
  const badge = custom('vscode-badge', { variant: 'counter', class: job.isSandbox ? 'server sandbox' : 'server', title: job.isSandbox ? 'The local Pixtune sandbox, not Mistral: nothing is billed.' : 'Server' }, job.isSandbox ? 'Sandbox' : job.serverLabel);
  const status = el('span', { class: 'status' }, codicon(job.statusIcon, job.statusColor), ' ', job.statusLabel);
  if (job.statusColor) status.style.setProperty('--status-color', themeColorVar(job.statusColor));
  return el('header', {}, el('h1', {}, job.title), el('div', { class: 'meta' }, status, badge));
}

function actions(job: JobModel, run: (a: JobAction) => void): HTMLElement {
  const button = (label: string, icon: string, action: JobAction, secondary = true) => {
    const b = custom('vscode-button', { icon, ...(secondary ? { secondary: '' } : {}) }, label);
    b.addEventListener('click', () => run(action));
    return b;
  };
  const bar = el('div', { class: 'actions' });
  if (job.canStart) append(bar, button('Start', 'play', 'start', false));
  if (job.canCancel) append(bar, button(job.canStart ? 'Discard Job' : 'Stop Training', 'circle-slash', 'cancel'));
  if (job.hasModel) append(bar, button('Copy Model ID', 'copy', 'copyModelId'));
  append(bar, button('Refresh', 'refresh', 'refresh'));
  return bar;
}

/** Each command whole (wrapped, selectable) under what it does, with a Copy button. */
function commandList(commands: { label: string; value: string }[], copy: (text: string) => void): HTMLElement {
  const list = el('div', { class: 'commands' });
  for (const c of commands) {
    const button = custom('vscode-button', { icon: 'copy', secondary: '', title: `Copy: ${c.label}` }, 'Copy');
    button.addEventListener('click', () => copy(c.value));
    append(list, el('div', { class: 'command' }, el('p', { class: 'muted' }, c.label), el('div', { class: 'command-line' }, el('pre', {}, el('code', {}, c.value)), button)));
  }
  return list;
}

function section(title: string, ...children: (Node | undefined)[]): HTMLElement {
  return el('section', {}, el('h2', {}, title), ...children);
}

function table(rows: { label: string; value: string }[]): HTMLElement {
  if (!rows.length) return el('p', { class: 'muted' }, 'None.');
  const dl = el('dl');
  for (const r of rows) append(dl, el('dt', {}, r.label), el('dd', {}, r.value));
  return dl;
}

function timeline(job: JobModel): HTMLElement {
  if (!job.timeline.length) return el('p', { class: 'muted' }, 'The service reported no events yet.');
  const ol = el('ol', { class: 'timeline' });
  for (const t of job.timeline) {
    append(
      ol,
      el(
        'li',
        {},
        codicon(t.icon, t.color),
        el('span', { class: 'label' }, t.label),
        el('span', { class: 'when' }, t.at),
        t.duration ? el('span', { class: 'duration' }, t.duration) : undefined,
        t.note ? el('div', { class: 'note' }, t.note) : undefined,
      ),
    );
  }
  return ol;
}
