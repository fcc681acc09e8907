// The evaluation settings, validated: a bad value falls back to the default instead of breaking a run.
import * as vscode from 'vscode';
import { z } from 'zod';

const price = z.number().min(0).catch(0);
const settingsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(64).catch(8),
    promptPricePerMillionTokens: price,
    completionPricePerMillionTokens: price,
  })
  .transform(({ concurrency, promptPricePerMillionTokens: prompt, completionPricePerMillionTokens: completion }) => ({
    concurrency,
    // Both 0 (the default): the price is not known, so no cost is shown rather than a cost of 0.
    pricePerMillionTokens: prompt || completion ? { prompt, completion } : undefined,
  }));

export function evaluationSettings(): z.infer<typeof settingsSchema> {
  const c = vscode.workspace.getConfiguration('pixtune.evaluation');
  return settingsSchema.parse({ concurrency: c.get('concurrency'), promptPricePerMillionTokens: c.get('promptPricePerMillionTokens'), completionPricePerMillionTokens: c.get('completionPricePerMillionTokens') });
}
