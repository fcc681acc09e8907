// Errors that reach a user carry one plain sentence and, where there is one, the action to take.
// The CLI maps UserError to exit code 1 and UsageError to exit code 2; the extension shows `message`
// in a notification and logs `detail` to the output channel.

export class UserError extends Error {
  constructor(
    message: string,
    /** What the user can do about it, e.g. "Run Pixtune: Set API Key". */
    readonly action?: string,
    /** Extra detail for logs; never shown in a notification. Must not contain secrets. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** True for the errors an AbortSignal raises: cancellation is a normal outcome, not a failure. */
export function isAbortError(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')
  );
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
