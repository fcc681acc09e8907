// What an evaluation needs from a prepared run folder: the class list and the test images with their
// requests, joined on custom_id (the image's index in manifest.json). The test batch may be written in
// parts; each part's name comes from the manifest and must resolve inside the run folder.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';
import { resolveContainedPath } from '../fsutil/containedPath';
import { manifestSchema, type Manifest } from '../training/manifest';
import { MAX_LINE_BYTES } from '../training/validateJsonl';
import { cappedLines } from '../text/cappedLines';

export interface TestItem {
  custom_id: string;
  /** The image's path relative to the dataset root. */
  path: string;
  /** Its class folder. */
  truth: string;
  /** The chat request body of its test.batch.jsonl line (messages, …). */
  request: Record<string, unknown>;
}

export interface RunForEvaluation {
  runDir: string;
  manifest: Manifest;
  classes: string[];
  /** The test batch files, resolved inside the run folder. */
  testFiles: string[];
  testItems: TestItem[];
}

const batchLineSchema = z.object({ custom_id: z.string().min(1), body: z.record(z.string(), z.unknown()) });

export async function loadManifest(runDir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(runDir, 'manifest.json'), 'utf8');
  } catch {
    throw new UserError(`${runDir} has no manifest.json, so it is not a prepared run.`, 'Generate training data for the dataset first (Pixtune: Generate Training Data or `pixtune prepare`).');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`The manifest.json of ${runDir} is not valid JSON.`, 'Generate the training data again.');
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`The manifest.json of ${runDir} is not a Pixtune manifest (${issue.path.join('.')}: ${issue.message}).`, 'Generate the training data again.');
  }
  return parsed.data;
}

/** The run's test batch files (parts included), each resolved inside the run folder. */
export async function testBatchFiles(runDir: string, manifest: Manifest): Promise<string[]> {
  const listed = manifest.files.filter((f) => f.kind === 'batch' && f.split === 'test');
  if (!listed.length) throw new UserError(`The run ${runDir} has no test split to evaluate on.`, 'Prepare the data again with a test share above 0.');
  const files: string[] = [];
  for (const f of listed) files.push(await resolveContainedPath(runDir, f.name, { what: 'The test batch file' }));
  return files;
}

/** Streams the lines of the test batch files: custom_id and raw line text (for re-sending as is). */
export async function* testBatchLines(files: string[], signal?: AbortSignal): AsyncGenerator<{ file: string; line: number; custom_id: string; body: Record<string, unknown> }> {
  for (const file of files) {
    // A test line holds its image, so the cap is the upload validator's (generous), not a record's.
    let n = 0;
    for await (const capped of cappedLines(createReadStream(file, { signal, highWaterMark: 1 << 20 }), MAX_LINE_BYTES)) {
      n++;
      if ('tooLong' in capped) throw new UserError(`Line ${n} of ${file} is ${capped.bytes} bytes, longer than any batch request (${MAX_LINE_BYTES} bytes).`, 'Generate the training data again.');
      const text = capped.text;
      if (!text.trim()) continue;
      let parsed;
      try {
        parsed = batchLineSchema.safeParse(JSON.parse(text));
      } catch {
        throw new UserError(`Line ${n} of ${file} is not valid JSON.`, 'Generate the training data again.');
      }
      if (!parsed.success) throw new UserError(`Line ${n} of ${file} is not a batch request (custom_id and body).`, 'Generate the training data again.');
      yield { file, line: n, custom_id: parsed.data.custom_id, body: parsed.data.body };
    }
  }
}

export async function loadRunForEvaluation(runDir: string, signal?: AbortSignal): Promise<RunForEvaluation> {
  const manifest = await loadManifest(runDir);
  const testFiles = await testBatchFiles(runDir, manifest);
  const byIndex = new Map(manifest.images.map((im) => [String(im.index), im]));
  const testItems: TestItem[] = [];
  const seen = new Set<string>();
  for await (const l of testBatchLines(testFiles, signal)) {
    const image = byIndex.get(l.custom_id);
    if (!image) throw new UserError(`The test batch names image ${l.custom_id}, which manifest.json does not list.`, 'Generate the training data again.');
    if (seen.has(l.custom_id)) throw new UserError(`The test batch lists image ${l.custom_id} twice.`, 'Generate the training data again.');
    seen.add(l.custom_id);
    testItems.push({ custom_id: l.custom_id, path: image.path, truth: image.class, request: l.body });
  }
  if (!testItems.length) throw new UserError(`The test split of ${runDir} is empty.`, 'Prepare the data again with a test share above 0.');
  return { runDir, manifest, classes: manifest.classes, testFiles, testItems };
}
