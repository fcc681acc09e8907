// `node dist/cli.js <command>`: the headless front end of the same core the extension uses.
// Each subcommand lives in src/cli/<name>.ts and is loaded only when asked for, so `scan` never
// loads the Mistral SDK and `jobs` never loads sharp.
import type { CliIO, Subcommand } from './cli/common';
import { describeFailure, printFailure, terminalSafeIO, wantsJson } from './cli/common';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  scan: { summary: 'summarise a folder-per-class dataset (--check decodes every image)', load: async () => (await import('./cli/scan')).scanCommand },
  prepare: { summary: 'split, encode and write fine-tuning JSONL, a test batch, manifest and report', load: async () => (await import('./cli/prepare')).prepareCommand },
  validate: { summary: 'check a fine-tuning or batch JSONL file, with line-numbered errors', load: async () => (await import('./cli/validate')).validateCommand },
  sandbox: { summary: 'run a local Mistral-compatible server (files, batch, chat, models, fine-tuning jobs)', load: async () => (await import('./cli/sandbox')).sandboxCommand },
  jobs: { summary: 'fine-tuning jobs: list | get | start | cancel | create (upload, validate, estimate, start)', load: async () => (await import('./cli/jobs')).jobsCommand },
  predict: { summary: 'run a model over a run\'s test split into predictions/<model>.jsonl (resumable; --import joins outside answers)', load: async () => (await import('./cli/predict')).predictCommand },
  report: { summary: 'accuracy, per-class P/R/F1, confusion, invalid labels of a predictions file; --compare, --md, --html', load: async () => (await import('./cli/report')).reportCommand },
  train: { summary: 'train a LoRA adapter on this machine, a Ray cluster or the Mistral API (--backend local|ray|mistral)', load: async () => (await import('./cli/train')).trainCommand },
  trainer: { summary: 'trainer setup: create or check the Python environment the local backend uses', load: async () => (await import('./cli/trainer')).trainerCommand },
};

/** Shell convention for a process stopped by a signal: 128 + the signal number. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGPIPE: 141 } as const;

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['Usage: pixtune <command> [options]', '', 'Commands:', ...lines, '', 'Add --help after a command for its options.'].join('\n');
}

/**
 * The process plumbing around a command: SIGINT and SIGTERM abort the signal the commands pass down
 * (so `prepare` removes its temp files either way); a second signal exits at once. A reader that goes
 * away (`| head -1`) makes stdout fail with EPIPE: output stops quietly and the work is aborted too.
 */
function processIO(): CliIO & { stoppedBy: () => keyof typeof SIGNAL_EXIT | undefined } {
  const controller = new AbortController();
  let stoppedBy: keyof typeof SIGNAL_EXIT | undefined;
  const stop = (why: keyof typeof SIGNAL_EXIT) => {
    if (stoppedBy && why !== 'SIGPIPE') process.exit(SIGNAL_EXIT[why]);
    stoppedBy ??= why;
    controller.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  let stdoutOpen = true;
  let stderrOpen = true;
  // Any error of stdout means nobody reads it any more (EPIPE, or writes after that); without a
  // listener Node would crash with a stack trace.
  process.stdout.on('error', () => {
    stdoutOpen = false;
    stop('SIGPIPE');
  });
  process.stderr.on('error', () => {
    stderrOpen = false;
  });
  return {
    out: (t) => void (stdoutOpen && process.stdout.write(t + '\n')),
    err: (t) => void (stderrOpen && process.stderr.write(t + '\n')),
    signal: controller.signal,
    env: process.env,
    stoppedBy: () => stoppedBy,
  };
}

async function main(argv: string[]): Promise<number> {
  // Every line any subcommand prints is made terminal-safe here (server strings, file names).
  const io = terminalSafeIO(processIO());
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.out(usage());
    return name ? 0 : 2;
  }
  const json = wantsJson(rest);
  const cmd = COMMANDS[name];
  if (!cmd) {
    printFailure(io, { code: 2, kind: 'usage', message: `Unknown command "${name}".`, hint: usage() }, json);
    return 2;
  }
  try {
    return await (await cmd.load())(rest, io);
  } catch (err) {
    const failure = describeFailure(err, name);
    const stoppedBy = io.stoppedBy();
    if (failure.kind === 'cancelled' && stoppedBy) {
      // Nobody reads stdout after EPIPE: say nothing. After a signal, say why the output stops here.
      if (stoppedBy !== 'SIGPIPE') printFailure(io, failure, json);
      return SIGNAL_EXIT[stoppedBy];
    }
    printFailure(io, failure, json);
    return failure.code;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(String(err) + '\n');
    process.exitCode = 1;
  },
);
