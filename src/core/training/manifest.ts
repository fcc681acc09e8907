// manifest.json of a run folder: every image with where it went, the options, the prompt and the
// class list, so a prediction (joined on custom_id = image index) can be traced back to its file
// and a run can be reproduced. No timestamp unless the caller supplies one, so identical runs
// produce identical manifests.
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { version } from '../../../package.json';
import { containedNameProblem } from '../fsutil/containedPath';
import { promptTemplateSchema } from './promptTemplates';

export const TOOL_VERSION: string = version;

export const manifestImageSchema = z.object({
  /** Dataset-order index; the `custom_id` of this image in test.batch.jsonl. */
  index: z.number().int().nonnegative(),
  path: z.string(),
  class: z.string(),
  split: z.enum(['train', 'validation', 'test', 'dropped', 'skipped']),
  /** SHA-256 of the source file's bytes. */
  sha256: z.string(),
  pHash: z.string(),
  sourceBytes: z.number().int().nonnegative(),
  sourceWidth: z.number().int().positive(),
  sourceHeight: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Encoded image bytes (before base64), when written. */
  outputBytes: z.number().int().nonnegative().optional(),
  /** File and 1-based line that hold this image, when written. */
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
});
export type ManifestImage = z.infer<typeof manifestImageSchema>;

/**
 * Why a manifest's datasetRoot may not be trusted, or undefined. A manifest may come from anywhere (a
 * cloned repository): its root becomes a webview resource root, the HTML report's thumbnail source and
 * the folder review moves files in, so the file-system root and the home folder are refused.
 */
export function datasetRootProblem(root: string): string | undefined {
  if (!isAbsolute(root)) return 'it is not an absolute path';
  const r = resolve(root);
  if (r === resolve('/') || /^[a-zA-Z]:\\?$/.test(r)) return 'it is the root of the file system';
  if (r === resolve(homedir())) return 'it is the home folder';
  return undefined;
}

/** A class is a folder directly inside the dataset root: a plain name, never "../x" or "a/b". */
const classNameSchema = z.string().superRefine((name, ctx) => {
  const problem = containedNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `class "${name}" is refused: ${problem}` });
});

export const manifestSchema = z.object({
  tool: z.object({ name: z.literal('pixtune'), version: z.string() }),
  createdAt: z.string().optional(),
  datasetRoot: z.string().superRefine((root, ctx) => {
    const problem = datasetRootProblem(root);
    if (problem) ctx.addIssue({ code: 'custom', message: `datasetRoot "${root}" is refused: ${problem}` });
  }),
  classes: z.array(classNameSchema),
  options: z.record(z.string(), z.unknown()),
  prompt: promptTemplateSchema,
  files: z.array(z.object({ name: z.string(), kind: z.enum(['finetune', 'batch']), split: z.enum(['train', 'validation', 'test']), bytes: z.number(), lines: z.number() })),
  images: z.array(manifestImageSchema),
  /** Skipped images, and (notAnImage) files the scan set aside, which are listed but never counted as images. */
  skipped: z.array(z.object({ path: z.string(), class: z.string(), reason: z.string(), notAnImage: z.literal(true).optional() })),
  duplicates: z.array(
    z.object({ members: z.array(z.number()), kind: z.enum(['exact', 'near']), maxDistance: z.number(), crossSplit: z.boolean(), crossClass: z.boolean() }),
  ),
  warnings: z.array(z.string()),
  /** Our token and cost estimate of training on this run (what the job launch shows next to the service's). */
  estimate: z
    .object({
      examples: z.number().int().nonnegative(),
      dataTokens: z.number().nonnegative(),
      epochs: z.number().positive(),
      pricePerMillion: z.number().nonnegative(),
      cost: z.number().nonnegative(),
    })
    .optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;
