// "No space left on device" must reach the user as that, not as whatever a stream said after the
// failure ("Cannot call end after a stream was destroyed"). Every writer maps it through here.
import { UserError, errorMessage } from '../errors';

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/** A UserError saying the disk is full when `err` (or its cause) is ENOSPC/EDQUOT; undefined otherwise. */
export function diskFullError(err: unknown, where: string): UserError | undefined {
  if (err instanceof UserError) return undefined;
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && FULL_CODES.has(code)) {
      return new UserError(
        code === 'EDQUOT' ? `The disk quota is used up: ${where} could not be written (nothing was changed).` : `The disk is full: ${where} could not be written (nothing was changed).`,
        'Free some space, or write to another disk.',
        errorMessage(err),
      );
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
