// The words shown before a run is written: counts per split, what training will cost, and what
// deserves a second look (duplicates across splits, skipped images, an over-limit file). Shared by
// the extension's confirmation dialog and the CLI's summary.
import type { PreparationPlan } from './planPreparation';

const mb = (bytes: number) => (bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function describePlan(plan: PreparationPlan): { headline: string; detail: string } {
  const count = (s: 'train' | 'validation' | 'test') => plan.splits[s].length;
  const e = plan.estimate;
  const money = e.train.cost > 0 && e.train.cost < 0.005 ? 'less than 0.01 USD' : `${e.train.cost.toFixed(2)} USD`;
  const headline = `${int(count('train'))} training examples · about ${int(e.train.trainTokens)} training tokens (${e.train.epochs} epochs) ≈ ${money}`;
  const lines = [
    `Split: ${int(count('train'))} train / ${int(count('validation'))} validation / ${int(count('test'))} test across ${plan.classes.length} classes (seed ${plan.options.split.seed}).`,
    `Tokens: about ${int(e.tokensPerExample)} per training example, ${int(e.train.dataTokens)} per epoch; estimated at ${e.train.pricePerMillion} USD per million tokens.`,
    `Files: train.jsonl ≈ ${mb(e.trainBytes)}${count('validation') ? `, validation.jsonl ≈ ${mb(e.validationBytes)}` : ''}, test.batch.jsonl ≈ ${mb(e.testBytes)}.`,
  ];
  const crossSplit = plan.duplicates.filter((d) => d.crossSplit).length;
  const crossClass = plan.duplicates.filter((d) => d.crossClass).length;
  if (crossSplit) lines.push(`Leakage: ${crossSplit} group(s) of identical or near-identical images fall in different splits.`);
  if (crossClass) lines.push(`Label conflict: ${crossClass} group(s) of duplicates carry different classes.`);
  for (const w of plan.warnings) lines.push(w);
  return { headline, detail: lines.join('\n') };
}
