// Shared plumbing of the CLI subcommands: argument parsing, output in human or --json form,
// and the exit-code contract (0 ok, 1 a failure the user must fix, 2 bad usage).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, UserError, errorMessage, isAbortError } from '../core/errors';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Fires on SIGINT or SIGTERM (or when stdout's reader has gone) so long operations can stop cleanly. */
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

/**
 * Folder names, job suffixes, model ids and server error messages are not ours: a control character
 * (an escape sequence that clears the screen, retitles the terminal or rewrites the line) is shown
 * as \\uXXXX instead of reaching the terminal. C0 and C1 controls and DEL; `keepNewlines` keeps the
 * line breaks of our own multi-line text.
 */
export function printable(text: string, opts: { keepNewlines?: boolean } = {}): string {
  const controls = opts.keepNewlines ? /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g;
  return text.replace(controls, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The CLI's stdout/stderr writers with every line made printable. cli.ts wraps the process's streams
 * in this, so every subcommand (and any added later) inherits it; --json output stays valid JSON
 * (JSON.stringify already escapes C0, and \\u0080-style escapes of C1 decode to the same string).
 */
export function terminalSafeIO<T extends CliIO>(io: T): T {
  return { ...io, out: (t: string) => io.out(printable(t, { keepNewlines: true })), err: (t: string) => io.err(printable(t, { keepNewlines: true })) };
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

/** What a failed command reports: the same fields in human text on stderr or, with --json, on stdout. */
export interface CliFailure {
  /** 1 a failure the user must fix, 2 bad usage. */
  code: 1 | 2;
  kind: 'usage' | 'user' | 'cancelled' | 'unexpected';
  message: string;
  hint?: string;
}

export function describeFailure(err: unknown, command: string): CliFailure {
  if (err instanceof UsageError) return { code: 2, kind: 'usage', message: err.message, hint: `Run "pixtune ${command} --help" for usage.` };
  if (isAbortError(err)) return { code: 1, kind: 'cancelled', message: 'Cancelled.' };
  if (err instanceof UserError) return { code: 1, kind: 'user', message: err.message, ...(err.action ? { hint: err.action } : {}) };
  return { code: 1, kind: 'unexpected', message: `Unexpected error: ${errorMessage(err)}` };
}

export function printFailure(io: CliIO, failure: CliFailure, json: boolean): void {
  // Scripts that pass --json parse stdout only; a plain-text error on stderr would leave them with
  // an empty document to parse, so the error becomes the one JSON document instead.
  if (json) printJson(io, { error: { message: failure.message, ...(failure.hint ? { hint: failure.hint } : {}), kind: failure.kind } });
  else io.err(failure.hint ? `${failure.message}${failure.kind === 'usage' ? '\n' : ' '}${failure.hint}` : failure.message);
}

/** True when --json is among the options (not after a "--" that ends them). */
export function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--json' || a.startsWith('--json='));
}
