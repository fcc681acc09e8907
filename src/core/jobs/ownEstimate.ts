// Our own token/cost estimate of a prepared run, shown next to the service's numbers before the user
// confirms a job. Read from manifest.json's `estimate`; runs written before it existed still have the
// figures in report.md, parsed as a fallback. Neither means "no estimate".
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestSchema } from '../training/manifest';

export interface OwnEstimate {
  examples: number;
  /** Tokens of one pass over the training data. */
  dataTokens: number;
  /** Epochs the estimate was made for. */
  epochs: number;
  pricePerMillion: number;
  /** dataTokens × epochs × price, as the report states it. */
  cost: number;
}

const num = (s: string) => Number(s.replace(/,/g, ''));

export function parseOwnEstimate(reportMarkdown: string): OwnEstimate | undefined {
  const data = /Training data:\s*([\d,]+) examples?, about ([\d,]+) tokens/.exec(reportMarkdown);
  const training = /Training for ([\d.]+) epochs?: about [\d,]+ tokens, \*\*≈ ([\d.,]+) USD\*\* at ([\d.]+) USD per million/.exec(reportMarkdown);
  if (!data || !training) return undefined;
  const out = { examples: num(data[1]!), dataTokens: num(data[2]!), epochs: num(training[1]!), cost: num(training[2]!), pricePerMillion: num(training[3]!) };
  return Object.values(out).every(Number.isFinite) ? out : undefined;
}

export async function readOwnEstimate(runDir: string): Promise<OwnEstimate | undefined> {
  try {
    const manifest = manifestSchema.pick({ estimate: true }).safeParse(JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')));
    if (manifest.success && manifest.data.estimate) return manifest.data.estimate;
  } catch {
    // no or unreadable manifest: try the report
  }
  try {
    return parseOwnEstimate(await readFile(join(runDir, 'report.md'), 'utf8'));
  } catch {
    return undefined;
  }
}
/** Our estimate was made for the run's default epochs; the job may use another count. */
export function scaleEstimate(e: OwnEstimate, epochs: number): { trainTokens: number; cost: number } {
  const trainTokens = e.dataTokens * epochs;
  return { trainTokens, cost: Math.round((trainTokens / 1e6) * e.pricePerMillion * 100) / 100 };
}
