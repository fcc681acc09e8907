// Shared plumbing of the CLI subcommands: argument parsing, output in human or --json form,
// and the exit-code contract (0 ok, 1 a failure the user must fix, 2 bad usage).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Fires on SIGINT so long operations can stop cleanly. */
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
}

export type Subcommand = (argv: string[], io: CliIO) => Promise<number>;

export function parseCliArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
