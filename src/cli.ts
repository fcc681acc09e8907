// `node dist/cli.js <command>`: the headless front end of the same core the extension uses.
// Each subcommand lives in src/cli/<name>.ts and is loaded only when asked for, so `scan` never
// loads the Mistral SDK and `jobs` never loads sharp.
import { UsageError, UserError, errorMessage, isAbortError } from './core/errors';
import type { CliIO, Subcommand } from './cli/common';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  scan: { summary: 'summarise a folder-per-class dataset (--check decodes every image)', load: async () => (await import('./cli/scan')).scanCommand },
  prepare: { summary: 'split, encode and write fine-tuning JSONL, a test batch, manifest and report', load: async () => (await import('./cli/prepare')).prepareCommand },
  validate: { summary: 'check a fine-tuning or batch JSONL file, with line-numbered errors', load: async () => (await import('./cli/validate')).validateCommand },
  sandbox: { summary: 'run a local Mistral-compatible server (files, batch, chat, models, fine-tuning jobs)', load: async () => (await import('./cli/sandbox')).sandboxCommand },
  jobs: { summary: 'fine-tuning jobs: list | get | start | cancel | create (upload, validate, estimate, start)', load: async () => (await import('./cli/jobs')).jobsCommand },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['Usage: pixtune <command> [options]', '', 'Commands:', ...lines, '', 'Add --help after a command for its options.'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const io: CliIO = {
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
    signal: controller.signal,
    env: process.env,
  };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.out(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await cmd.load())(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\nRun "pixtune ${name} --help" for usage.`);
      return 2;
    }
    if (isAbortError(err)) {
      io.err('Cancelled.');
      return 1;
    }
    if (err instanceof UserError) {
      io.err(err.action ? `${err.message} ${err.action}` : err.message);
      return 1;
    }
    io.err(`Unexpected error: ${errorMessage(err)}`);
    return 1;
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
