// Pixtune: Evaluate Model — from a run node of the Datasets tree, a finished job, or the palette. Asks where
// the model is served (the Mistral API / sandbox with its vision models, fine-tuned ones from finished jobs
// first; an OpenAI-compatible server with an optional key kept in SecretStorage; or a predictions / batch
// output file to import), live or batch, and whether to constrain the label with structured output; then runs
// core's runPrediction under a cancellable progress notification and opens the review. Re-running resumes.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { UserError, isAbortError } from '../../core/errors';
import { importPredictions } from '../../core/evaluation/importPredictions';
import { loadRunForEvaluation } from '../../core/evaluation/runContext';
import { runPrediction, type PredictionResult } from '../../core/evaluation/runPrediction';
import { EXTENSION_KEY_ACTION } from '../../core/mistral/errors';
import { describeImageProgress } from '../../core/progressText';
import { notice } from '../../core/text/notificationText';
import { listPreparedRuns } from '../../core/training/listPreparedRuns';
import { toAbortSignal } from '../abortSignal';
import { pixtuneFolderFor } from '../workspaceFolders';
import type { DatasetStore } from '../datasetStore';
import type { JobLinkStore } from '../jobs/jobLinkStore';
import type { ServerAccess } from '../jobs/serverAccess';
import type { ReviewPanels } from './reviewPanel';
import { evaluationSettings } from './evaluationSettings';

const OPENAI_KEY_PREFIX = 'pixtune.openaiKey:';
const LAST_OPENAI = 'pixtune.evaluation.lastOpenAiServer';

export interface EvaluateDeps {
  access: ServerAccess;
  secrets: vscode.SecretStorage;
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
  store: DatasetStore;
  links: JobLinkStore;
  /** Finished fine-tuning jobs and the models they made, newest first (offered first). */
  finishedJobs(): { id: string; model: string }[];
  panels: ReviewPanels;
  /** A run got a new evaluation: the Datasets tree refreshes that run. */
  onEvaluated(runDir: string): void;
}

type Where =
  | { kind: 'mistral'; serverUrl: string; apiKey: string; model: string }
  | { kind: 'openai'; serverUrl: string; apiKey?: string; model: string }
  | { kind: 'import'; files: string[] };

export async function evaluateModel(deps: EvaluateDeps, arg?: unknown): Promise<void> {
  // "Evaluate This Model" of a finished training (issue 9): the trainer's predict answers, imported here.
  const trained = arg as { runDir?: unknown; importFiles?: unknown } | undefined;
  if (typeof trained?.runDir === 'string' && Array.isArray(trained.importFiles) && trained.importFiles.every((f) => typeof f === 'string')) {
    return importInto(deps, trained.runDir, trained.importFiles as string[]);
  }
  const target = await resolveTarget(deps, arg);
  if (!target) return;
  const where = target.model ? await mistralWith(deps, target.model) : await pickWhere(deps);
  if (!where) return;
  if (where.kind === 'import') return importInto(deps, target.runDir, where.files);

  const mode = where.kind === 'mistral' ? await pickMode() : 'live';
  if (!mode) return;
  const structured = await vscode.window.showQuickPick(
    [
      { label: 'Free answer', description: 'as the run’s prompt asks (answers outside the classes are counted as invalid)', value: false },
      { label: 'Constrain the label to the class list', description: 'structured output: a JSON schema (Mistral and vLLM support it)', value: true },
    ],
    { title: `Evaluate ${where.model}: answer format`, ignoreFocusOut: true },
  );
  if (!structured) return;

  const { concurrency, pricePerMillionTokens } = evaluationSettings();
  let result: PredictionResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: notice`Evaluating ${where.model}`, cancellable: true },
      async (progress, token) => {
        let reported = 0;
        progress.report({ message: 'checking the server and the model…' });
        return runPrediction(
          { runDir: target.runDir, model: where.model, provider: where.kind, serverUrl: where.serverUrl, apiKey: where.apiKey, mode, concurrency, pricePerMillionTokens, structuredOutput: structured.value, keyAction: where.kind === 'mistral' ? EXTENSION_KEY_ACTION : 'Run Pixtune: Evaluate Model again and enter the server’s key.' },
          {
            signal: toAbortSignal(token),
            onProgress: (p) => {
              const increment = p.total ? ((p.done - reported) / p.total) * 100 : 0;
              reported = p.done;
              const text = describeImageProgress({ done: p.done, total: p.total, rate: p.ratePerSec, etaSeconds: p.etaSec });
              progress.report({ increment, message: notice`${text}${p.errors ? ` · ${p.errors} failed` : ''}` });
            },
          },
        );
      },
    );
  } catch (err) {
    if (!isAbortError(err)) throw err;
    deps.onEvaluated(target.runDir);
    void vscode.window.showInformationMessage(notice`Evaluation of ${where.model} stopped. The answers so far are kept: run it again to continue where it stopped.`);
    return;
  }
  deps.log.info(`evaluation: ${where.model} on ${target.runDir}: ${result.done}/${result.total} answered, ${result.errors} failed → ${result.file}`);
  deps.onEvaluated(target.runDir);
  const r = result.report;
  void vscode.window.showInformationMessage(
    notice`${where.model}: accuracy ${(r.accuracy * 100).toFixed(1)}%, macro F1 ${r.macroF1.toFixed(3)}, invalid answers ${(r.invalidRate * 100).toFixed(1)}% (${result.done} of ${result.total} images answered${result.errors ? `, ${result.errors} failed — run again to retry them` : ''}).`,
  );
  await deps.panels.open({ kind: 'evaluation', runDir: target.runDir, file: result.file });
}

/** The run to evaluate (and the model, when started from a finished job). */
async function resolveTarget(deps: EvaluateDeps, arg: unknown): Promise<{ runDir: string; model?: string } | undefined> {
  if (arg && typeof arg === 'object' && 'runDir' in arg && typeof (arg as { runDir: unknown }).runDir === 'string') {
    return { runDir: (arg as { runDir: string }).runDir };
  }
  if (typeof arg === 'string') {
    // A job id from the Fine-tuning Jobs view: its run, and the model it made.
    const link = deps.links.get(arg);
    const runDir = link?.runDir ?? (await pickRun(deps));
    const fineTuned = deps.finishedJobs().find((j) => j.id === arg)?.model ?? link?.fineTunedModel ?? undefined;
    return runDir ? { runDir, ...(fineTuned ? { model: fineTuned } : {}) } : undefined;
  }
  const runDir = await pickRun(deps);
  return runDir ? { runDir } : undefined;
}

async function pickRun(deps: EvaluateDeps): Promise<string | undefined> {
  const items: (vscode.QuickPickItem & { runDir: string })[] = [];
  for (const root of deps.store.roots()) {
    const runs = await listPreparedRuns(await pixtuneFolderFor(root, { create: false }).catch(() => ''));
    for (const run of runs.filter((r) => !r.error)) {
      const test = run.files.filter((f) => f.split === 'test').reduce((n, f) => n + f.lines, 0);
      items.push({ label: `${basename(root)} / ${run.name}`, description: `${test} test images`, runDir: run.dir });
    }
  }
  if (!items.length) throw new UserError('There is no prepared run to evaluate yet.', 'Run Pixtune: Generate Training Data on a dataset first.');
  if (items.length === 1) return items[0]!.runDir;
  return (await vscode.window.showQuickPick(items, { title: 'Evaluate Model: which run’s test split?', ignoreFocusOut: true }))?.runDir;
}

async function pickWhere(deps: EvaluateDeps): Promise<Where | undefined> {
  const server = await deps.access.info();
  const pick = await vscode.window.showQuickPick(
    [
      { label: `$(cloud) ${server.kind === 'sandbox' ? 'Sandbox' : 'Mistral'}`, description: server.label, detail: 'A base or fine-tuned vision model listed by the server (pixtune.serverUrl)', value: 'mistral' as const },
      { label: '$(server) OpenAI-compatible server…', description: 'vLLM, llama.cpp server, Ollama, LM Studio', detail: 'A model you serve yourself (base URL, model name, optional key)', value: 'openai' as const },
      { label: '$(file-add) Import predictions…', description: 'a Mistral Batch API output file or a predictions JSONL made elsewhere', detail: 'Joined to this run’s test images by custom_id', value: 'import' as const },
    ],
    { title: 'Evaluate Model: where is the model?', ignoreFocusOut: true },
  );
  if (!pick) return undefined;
  if (pick.value === 'mistral') return mistralWith(deps);
  if (pick.value === 'openai') return openAiServer(deps);
  const files = await vscode.window.showOpenDialog({ title: 'Import predictions', canSelectMany: true, filters: { 'JSON Lines': ['jsonl'], 'All files': ['*'] }, openLabel: 'Import' });
  return files?.length ? { kind: 'import', files: files.map((f) => f.fsPath) } : undefined;
}

async function mistralWith(deps: EvaluateDeps, model?: string): Promise<Where | undefined> {
  const conn = await deps.access.connection();
  const server = await deps.access.info();
  const apiKey = (await deps.access.getKey())!;
  if (model) return { kind: 'mistral', serverUrl: server.url, apiKey, model };
  const list = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: notice`Listing models on ${server.label}` }, () => conn.models.list());
  const cards = (list.data ?? []).filter((m) => !('isUnknown' in m && m.isUnknown)) as { id: string; archived?: boolean | null; capabilities?: { vision?: boolean | null } | null; type?: string | null }[];
  const vision = cards.filter((c) => c.capabilities?.vision && !c.archived).map((c) => c.id);
  const finished = [...new Set(deps.finishedJobs().map((j) => j.model))].filter((m) => vision.includes(m) || !cards.some((c) => c.id === m));
  const items: (vscode.QuickPickItem & { id?: string })[] = [
    ...(finished.length ? [{ label: 'From your fine-tuning jobs', kind: vscode.QuickPickItemKind.Separator }] : []),
    ...finished.map((id) => ({ label: id, description: 'fine-tuned', id })),
    { label: 'Vision models on the server', kind: vscode.QuickPickItemKind.Separator },
    ...vision.filter((id) => !finished.includes(id)).map((id) => ({ label: id, id })),
  ];
  if (!vision.length && !finished.length) throw new UserError(notice`${server.label} lists no model that can see images.`, 'Check the pixtune.serverUrl setting.');
  const pick = await vscode.window.showQuickPick(items, { title: notice`Evaluate Model: which model on ${server.label}?`, ignoreFocusOut: true, matchOnDescription: true });
  return pick?.id ? { kind: 'mistral', serverUrl: server.url, apiKey, model: pick.id } : undefined;
}

async function openAiServer(deps: EvaluateDeps): Promise<Where | undefined> {
  const last = deps.state.get<{ url?: string; model?: string }>(LAST_OPENAI) ?? {};
  const serverUrl = await vscode.window.showInputBox({
    title: 'OpenAI-compatible server: base URL',
    prompt: 'e.g. http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama)',
    value: last.url ?? 'http://127.0.0.1:8000/v1',
    ignoreFocusOut: true,
    validateInput: (v) => (/^https?:\/\/[^\s/]+/i.test(v.trim()) ? undefined : 'Enter an http:// or https:// URL.'),
  });
  if (!serverUrl) return undefined;
  const model = await vscode.window.showInputBox({ title: 'OpenAI-compatible server: model name', prompt: 'As the server names it (GET /v1/models)', value: last.model, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Enter the model name.') });
  if (!model) return undefined;
  await deps.state.update(LAST_OPENAI, { url: serverUrl.trim(), model: model.trim() });
  const secretKey = OPENAI_KEY_PREFIX + serverUrl.trim().replace(/\/+$/, '');
  const saved = await deps.secrets.get(secretKey);
  const choice = await vscode.window.showQuickPick(
    [
      ...(saved ? [{ label: 'Use the saved key', value: 'saved' as const }] : []),
      { label: 'No key', description: 'the server accepts requests without one', value: 'none' as const },
      { label: saved ? 'Enter another key…' : 'Enter a key…', description: 'kept in VS Code’s secret storage for this URL', value: 'new' as const },
    ],
    { title: 'OpenAI-compatible server: API key', ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  let apiKey = choice.value === 'saved' ? saved : undefined;
  if (choice.value === 'new') {
    apiKey = await vscode.window.showInputBox({ title: 'API key of the server', password: true, ignoreFocusOut: true });
    if (!apiKey) return undefined;
    await deps.secrets.store(secretKey, apiKey);
  }
  return { kind: 'openai', serverUrl: serverUrl.trim(), model: model.trim(), ...(apiKey ? { apiKey } : {}) };
}

async function pickMode(): Promise<'live' | 'batch' | undefined> {
  const { concurrency } = evaluationSettings();
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Live', description: `chat completions, ${concurrency} at a time (pixtune.evaluation.concurrency)`, value: 'live' as const },
      { label: 'Batch', description: 'the Batch API: cheaper for large test splits, answers arrive when the batch ends', value: 'batch' as const },
    ],
    { title: 'Evaluate Model: how to ask', ignoreFocusOut: true },
  );
  return pick?.value;
}

async function importInto(deps: EvaluateDeps, runDir: string, files: string[]): Promise<void> {
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Importing predictions', cancellable: true }, async (_p, token) => {
    const signal = toAbortSignal(token);
    const run = await loadRunForEvaluation(runDir, signal);
    return importPredictions({ run, files, signal });
  });
  deps.onEvaluated(runDir);
  for (const p of result.problems.slice(0, 20)) deps.log.warn(`import: ${p}`);
  void vscode.window.showInformationMessage(
    notice`Imported ${result.imported} predictions of ${result.model}${result.missing.length ? `; ${result.missing.length} test images have no answer` : ''}${result.unknown ? `; ${result.unknown} lines name images this run does not have` : ''}${result.problems.length ? `; ${result.problems.length} lines could not be read (see the Pixtune output)` : ''}.`,
  );
  await deps.panels.open({ kind: 'evaluation', runDir, file: result.file });
}
