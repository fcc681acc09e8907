// One wording for the progress of every image operation (health check, planning, writing training data):
// "encoding: 120/1,000 images · 310/s · 3 s left".
export interface ImageProgress {
  done: number;
  total: number;
  rate?: number;
  etaSeconds?: number;
  phase?: string;
}

export function describeImageProgress(p: ImageProgress): string {
  const parts = [`${p.phase ? `${p.phase}: ` : ''}${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} images`];
  if (p.rate) parts.push(`${p.rate.toFixed(0)}/s`);
  if (p.etaSeconds !== undefined && p.done < p.total) parts.push(`${Math.ceil(p.etaSeconds)} s left`);
  return parts.join(' · ');
}
