// The evaluation settings, validated: a bad value falls back to the default instead of breaking a run.
import * as vscode from 'vscode';
import { z } from 'zod';

const settingsSchema = z.object({
  concurrency: z.number().int().min(1).max(64).catch(8),
});

export function evaluationSettings(): z.infer<typeof settingsSchema> {
  const c = vscode.workspace.getConfiguration('pixtune.evaluation');
  return settingsSchema.parse({ concurrency: c.get('concurrency') });
}
