// `pixtune jobs …`: fine-tuning jobs on Mistral (or the sandbox, or a compatible server).
// `--json` prints the job(s) exactly as the API returned them (snake_case wire fields).
import { stat } from 'node:fs/promises';
import { UsageError, UserError } from '../core/errors';
import { checkLaunchChoices, createValidatedJob, type LaunchChoices, type ValidatedLaunch } from '../core/jobs/launchJob';
import { createMistralConnection, DEFAULT_SERVER_URL, type MistralConnection } from '../core/mistral/connection';
import { CLI_KEY_ACTION, MistralError } from '../core/mistral/errors';
import { describeJob, describeJobEstimate, jobFailureMessage } from '../core/mistral/jobSummary';
import type { FineTuningJob, KnownJobStatus } from '../core/mistral/wireSchemas';
import { isTerminalJobStatus, JOB_STATUSES } from '../core/mistral/wireSchemas';
import { parseCliArgs, parseNumberOption, printJson, type CliIO, type Subcommand } from './common';

const HELP = `Usage: pixtune jobs <action> [options]

Actions:
  list                         list fine-tuning jobs, newest first (--status S, --model M, --page N, --page-size N, --all)
  get <id>                     show one job (with --wait: poll until it ends)
  start <id>                   start a VALIDATED job created with --no-start
  cancel <id>                  cancel a job
  create --train <file.jsonl> --model <id> [--validation <file>] [--epochs N | --steps N] [--lr X]
         [--suffix S] [--no-start] [--wait]
                               upload the files (reusing identical uploads), create the job without
                               starting it, wait for validation, print the service's cost estimate,
                               then start it (unless --no-start). Defaults: 1 epoch, --lr 1e-4.
                               The suffix: letters, digits and dashes, at most 18 characters.
                               Ctrl+C before the start cancels the job.

Training on this machine or a Ray cluster (see pixtune train):
  list | get <id> [--wait] | stop <id> | resume <id> | logs <id>   with --backend local|ray [--address URL]

Options:
  --server-url URL             default ${DEFAULT_SERVER_URL} (the key comes from MISTRAL_API_KEY)
  --json                       print the job as the API returns it
  --wait                       poll until the job ends; exit 0 only on SUCCESS
  --poll-ms N                  first poll interval (default 2000)
  --upload-cache PATH          remembers uploaded files by content (default .pixtune/uploads.json)

Mistral retired hosted fine-tuning in 2026: against api.mistral.ai these commands report that
fine-tuning is unavailable. The sandbox (pixtune sandbox) runs the whole flow locally.`;

/** Used when neither --epochs nor --steps is given (the service's own default is not documented). */
const DEFAULT_EPOCHS = 1;
/** Used when --lr is not given: the service's documented default. */
const DEFAULT_LEARNING_RATE = 1e-4;

const OPTIONS = {
  'server-url': { type: 'string' },
  backend: { type: 'string' },
  address: { type: 'string' },
  json: { type: 'boolean' },
  wait: { type: 'boolean' },
  'poll-ms': { type: 'string' },
  train: { type: 'string', multiple: true },
  validation: { type: 'string', multiple: true },
  model: { type: 'string' },
  epochs: { type: 'string' },
  steps: { type: 'string' },
  lr: { type: 'string' },
  suffix: { type: 'string' },
  'no-start': { type: 'boolean' },
  'upload-cache': { type: 'string' },
  status: { type: 'string' },
  page: { type: 'string' },
  'page-size': { type: 'string' },
  all: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function numberOption(value: string | undefined, name: string, integer = false): number | undefined {
  return parseNumberOption(name, value, { int: integer, positive: true });
}

function connect(io: CliIO, serverUrl: string | undefined): MistralConnection {
  const apiKey = io.env.MISTRAL_API_KEY?.trim();
  if (!apiKey) throw new UserError('MISTRAL_API_KEY is not set.', 'Set MISTRAL_API_KEY (for the sandbox, the key it printed as "key …") and try again.');
  return createMistralConnection({ apiKey, serverUrl: serverUrl ?? io.env.MISTRAL_SERVER_URL ?? DEFAULT_SERVER_URL, keyAction: CLI_KEY_ACTION });
}

function needId(positionals: string[], action: string): string {
  const id = positionals[1];
  if (!id) throw new UsageError(`"jobs ${action}" needs a job id.`);
  return id;
}

export const jobsCommand: Subcommand = async (argv, io) => {
  const { values, positionals } = parseCliArgs(argv, OPTIONS);
  const action = positionals[0];
  if (values.help || !action) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  // Training on this machine or a Ray cluster (issue 9): the backend-neutral actions live with `train`.
  if (values.backend && values.backend !== 'mistral') return (await import('./train')).backendJobsCommand(action, positionals[1], values, io);
  const json = values.json === true;
  const pollMs = numberOption(values['poll-ms'], 'poll-ms', true) ?? 2000;
  const say = (text: string) => (json ? io.err(text) : io.out(text));
  const show = (job: FineTuningJob) => (json ? printJson(io, job) : describeJob(job).forEach((l) => io.out(l)));
  const wait = async (conn: MistralConnection, id: string): Promise<number> => {
    let lastStatus = '';
    const job = await conn.waitForJob(id, {
      signal: io.signal,
      pollMs,
      onUpdate: (j) => {
        if (j.status !== lastStatus) {
          lastStatus = j.status;
          const loss = j.checkpoints?.[0]?.metrics.train_loss;
          io.err(`${j.id}: ${j.status}${loss != null ? ` (train loss ${loss})` : ''}`);
        }
      },
    });
    show(job);
    if (job.status === 'SUCCESS') return 0;
    const why = jobFailureMessage(job);
    io.err(`The job ended with status ${job.status}${why ? `: ${why}` : '.'}`);
    return 1;
  };

  switch (action) {
    case 'list': {
      const conn = connect(io, values['server-url']);
      const status = values.status?.toUpperCase();
      if (status && !JOB_STATUSES.includes(status as KnownJobStatus)) throw new UsageError(`--status must be one of ${JOB_STATUSES.join(', ')}.`);
      const query = { model: values.model, status: status as KnownJobStatus | undefined, page_size: numberOption(values['page-size'], 'page-size', true) };
      let jobs: FineTuningJob[];
      let total: number;
      if (values.all) {
        jobs = [];
        for await (const j of conn.jobs.listAll(query, io.signal)) jobs.push(j);
        total = jobs.length;
      } else {
        const page = values.page === undefined ? 0 : Number(values.page);
        if (!Number.isInteger(page) || page < 0) throw new UsageError(`--page must be 0 or more, not "${values.page}".`);
        const res = await conn.jobs.list({ ...query, page }, io.signal);
        jobs = res.data;
        total = res.total;
      }
      if (json) printJson(io, { object: 'list', data: jobs, total });
      else if (!jobs.length) io.out('No fine-tuning jobs.');
      else {
        for (const j of jobs) io.out(`${j.id}  ${j.status.padEnd(17)} ${j.model}${j.fine_tuned_model ? `  → ${j.fine_tuned_model}` : ''}`);
        if (total > jobs.length) io.out(`(${jobs.length} of ${total}; use --page or --all)`);
      }
      return 0;
    }
    case 'get': {
      const conn = connect(io, values['server-url']);
      const id = needId(positionals, action);
      if (values.wait) return wait(conn, id);
      show(await conn.jobs.get(id, io.signal));
      return 0;
    }
    case 'start':
    case 'cancel': {
      const conn = connect(io, values['server-url']);
      const id = needId(positionals, action);
      const job = action === 'start' ? await conn.jobs.start(id, io.signal) : await conn.jobs.cancel(id, io.signal);
      if (values.wait) return wait(conn, job.id);
      show(job);
      return 0;
    }
    case 'create':
      return create(values, io, json, say, show, wait);
    default:
      throw new UsageError(`Unknown jobs action "${action}" (use list, get, start, cancel or create).`);
  }
};

type Values = ReturnType<typeof parseCliArgs<typeof OPTIONS>>['values'];

async function create(
  values: Values,
  io: CliIO,
  json: boolean,
  say: (t: string) => void,
  show: (j: FineTuningJob) => void,
  wait: (c: MistralConnection, id: string) => Promise<number>,
): Promise<number> {
  if (!values.train?.length) throw new UsageError('"jobs create" needs --train <file.jsonl>.');
  if (!values.model) throw new UsageError('"jobs create" needs --model <id> (e.g. pixtral-12b-latest).');
  const epochs = numberOption(values.epochs, 'epochs');
  const steps = numberOption(values.steps, 'steps', true);
  if (epochs !== undefined && steps !== undefined) throw new UsageError('Give either --epochs or --steps, not both.');
  const validation = values.validation ?? [];
  const choices: LaunchChoices = {
    model: values.model,
    ...(steps !== undefined ? { trainingSteps: steps } : { epochs: epochs ?? DEFAULT_EPOCHS }),
    learningRate: numberOption(values.lr, 'lr') ?? DEFAULT_LEARNING_RATE,
    ...(values.suffix !== undefined ? { suffix: values.suffix } : {}),
    useValidation: validation.length > 0,
  };
  // The same checks the launch makes, as bad usage (exit 2) rather than a failure.
  const problem = checkLaunchChoices(choices);
  if (problem) throw new UsageError(problem);
  const pollMs = numberOption(values['poll-ms'], 'poll-ms', true) ?? 2000;
  const conn = connect(io, values['server-url']);

  // Ask the job routes first: when fine-tuning is retired, say so before uploading anything.
  await conn.jobs.list({ page: 0, page_size: 1 }, io.signal);

  let uploading = '';
  let lastPct = -1;
  let createdId: string | undefined;
  let launch: ValidatedLaunch;
  try {
    launch = await createValidatedJob(conn, { runDir: '', runName: '', training: values.train, validation }, choices, {
      signal: io.signal,
      pollMs,
      uploadCachePath: values['upload-cache'] ?? '.pixtune/uploads.json',
      onStage: (s) => {
        if (s.stage === 'upload' && !s.reused) {
          uploading = s.file;
          lastPct = -1;
        }
      },
      onProgress: (p) => {
        const pct = p.total ? Math.floor((p.done / p.total) * 100) : 100;
        if (pct >= lastPct + 10 || pct === 100) {
          lastPct = pct;
          io.err(`Uploading ${uploading}: ${pct}%`);
        }
      },
      onCreated: async (job, uploads) => {
        createdId = job.id;
        for (const u of uploads) {
          // Never throw here: the job exists and must go on to validation (or be cancelled).
          const bytes = await stat(u.path).then((st) => ` (${st.size.toLocaleString('en-US')} bytes)`, () => '');
          say(`${u.reused ? 'Reusing' : 'Uploaded'} ${u.path} as ${u.fileId}${bytes}.`);
        }
        say(`Created job ${job.id}; waiting for the service to validate the data…`);
      },
    });
  } catch (err) {
    if (createdId === undefined) throw err;
    if (io.signal.aborted) {
      io.err(`Stopped while job ${createdId} was being validated; asked the service to cancel it, so it does not wait for a start.`);
      throw err;
    }
    if (err instanceof UserError && !(err instanceof MistralError)) {
      // The job ended during validation: report it as the service has it, in CLI terms.
      const ended = await conn.jobs.get(createdId, io.signal);
      if (isTerminalJobStatus(ended.status) && ended.status !== 'SUCCESS') {
        if (json) printJson(io, ended);
        const why = jobFailureMessage(ended);
        throw new UserError(`The job ended with status ${ended.status}${why ? `: ${why}` : '.'}`, 'Fix the training data (pixtune validate) and create the job again.');
      }
    }
    throw err;
  }

  const { job } = launch;
  say(`Validated. The service estimates: ${describeJobEstimate(job) ?? 'no estimate given'}.`);
  if (job.status !== 'VALIDATED') {
    // The server started the job by itself despite auto_start false: do not start it again.
    say(`The service started job ${job.id} by itself (status ${job.status})${values['no-start'] ? '; --no-start could not hold it back' : ''}.`);
    if (values.wait) return wait(conn, job.id);
    show(job);
    return 0;
  }
  if (values['no-start']) {
    say(`Not started (--no-start). Start it with: pixtune jobs start ${job.id}`);
    show(job);
    return 0;
  }
  if (io.signal.aborted) {
    // Ctrl+C just as validation ended: nothing is billed yet, so do not leave the job waiting.
    await conn.jobs.cancel(job.id).catch(() => undefined);
    io.signal.throwIfAborted();
  }
  const started = await conn.jobs.start(job.id, io.signal);
  say(`Started job ${started.id}.`);
  if (values.wait) return wait(conn, started.id);
  show(started);
  return 0;
}
