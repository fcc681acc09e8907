// The Datasets settings, validated like every boundary: a hand-edited settings.json with a string, a
// negative or a huge number falls back to the default or is clamped (the health check shares the
// extension host's small thread pool, so its concurrency must stay bounded).
import { z } from 'zod';

const clampedInt = (min: number, max: number, fallback: number) =>
  z.preprocess((v) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : fallback), z.number().int());

export const datasetSettingsSchema = z.object({
  includeNestedFolders: z.boolean().catch(true),
  imagesPerPage: clampedInt(10, 5000, 100),
  healthCheckConcurrency: clampedInt(1, 16, 2),
});
export type DatasetSettings = z.infer<typeof datasetSettingsSchema>;

/** Reads the settings through a getter (VS Code's configuration, or a plain object in tests). */
export function readDatasetSettings(get: (key: string) => unknown): DatasetSettings {
  return datasetSettingsSchema.parse({
    includeNestedFolders: get('includeNestedFolders') ?? true,
    imagesPerPage: get('imagesPerPage'),
    healthCheckConcurrency: get('healthCheck.concurrency'),
  });
}

/** The cost-estimate settings of Generate Training Data: a bad value falls back to the default. */
export const estimateSettingsSchema = z.object({
  pricePerMillion: z.number().finite().nonnegative().catch(2),
  epochs: z.number().finite().min(0.01).max(100).catch(2),
});
export type EstimateSettings = z.infer<typeof estimateSettingsSchema>;

export function readEstimateSettings(get: (key: string) => unknown): EstimateSettings {
  return estimateSettingsSchema.parse({ pricePerMillion: get('training.pricePerMillionTokens'), epochs: get('training.epochs') });
}
