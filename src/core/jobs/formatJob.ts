// Short human texts for job rows and details: ages, costs, losses, token counts. Deterministic
// (the clock is a parameter) so the tests can pin them.

/** "just now", "5 min ago", "3 h ago", "2 days ago" from UNIX seconds. */
export function formatAge(createdAtSeconds: number, nowMs: number): string {
  const s = Math.max(0, Math.round(nowMs / 1000 - createdAtSeconds));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  const days = Math.round(s / 86400);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** "17.88 USD"; two decimals, three for amounts under one cent so a small run does not read "0.00". */
export function formatCost(amount: number, currency: string | null | undefined): string {
  const digits = amount > 0 && amount < 0.01 ? 3 : 2;
  return `${amount.toFixed(digits)} ${currency || 'USD'}`;
}

export function formatTokens(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Losses vary over orders of magnitude (2.3 → 0.009): keep three significant digits. */
export function formatLoss(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return Number(x.toPrecision(3)).toString();
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** "12 s", "4 min", "1.5 h". */
export function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** ISO-like local-free timestamp "2026-11-29 04:12:05 UTC" (UTC so tests and screenshots agree). */
export function formatTimestamp(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
