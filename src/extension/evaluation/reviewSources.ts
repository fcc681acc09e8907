// The sources of review panels, kept in workspaceState under each panel's key so a panel VS Code brings back
// after a reload can be filled again. VS Code restores a hidden panel only when it becomes visible, so a source
// is kept until its own panel is closed, never because it is not open right now; the oldest beyond a cap go
// (a tab closed before it was ever restored never says so). No vscode import: unit-tested as is.

/** More review tabs than this are not restored after a reload; the oldest sources are dropped first. */
export const MAX_REMEMBERED_SOURCES = 50;

/** `all` with `key` → `source` as the newest entry, the oldest dropped beyond `max`. */
export function withSource(all: Readonly<Record<string, unknown>>, key: string, source: unknown, max = MAX_REMEMBERED_SOURCES): Record<string, unknown> {
  const next: Record<string, unknown> = { ...all };
  delete next[key];
  next[key] = source;
  const keys = Object.keys(next);
  for (const k of keys.slice(0, Math.max(0, keys.length - max))) delete next[k];
  return next;
}

/** `all` without the source of a closed panel. */
export function withoutSource(all: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> {
  const next: Record<string, unknown> = { ...all };
  delete next[key];
  return next;
}
