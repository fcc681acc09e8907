// Our own token/cost estimate of a prepared run, shown next to the service's numbers before the user
// confirms a job. The training pipeline writes it into report.md (it is not in manifest.json), so it
// is read back from there; a report without those lines simply means "no estimate".
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

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
    return parseOwnEstimate(await readFile(join(runDir, 'report.md'), 'utf8'));
  } catch {
    return undefined;
  }
}
