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

/** A numeric option: undefined when absent, a UsageError (exit 2) when it is not a number in range. */
export function parseNumberOption(name: string, value: string | undefined, opts: { int?: boolean; min?: number; max?: number; positive?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const bad = !Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.positive && n <= 0) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max);
  if (bad) {
    const kind = `${opts.positive ? 'a positive ' : 'a '}${opts.int ? 'whole number' : 'number'}`;
    throw new UsageError(`--${name} expects ${kind}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}, got "${value}".`);
  }
  return n;
}
