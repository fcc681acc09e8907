// The evaluations of a run, for the Datasets tree: every predictions/<slug>.jsonl with the model that
// answered (read from its first line; the slug when the file does not say), its line count and age.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cappedLines } from '../text/cappedLines';
import { MAX_RECORD_BYTES, PREDICTIONS_DIR } from './predictionsFile';

export interface EvaluationListing {
  file: string;
  model: string;
  slug: string;
  /** Non-empty lines (an interrupted run has fewer than the test split). */
  lines: number;
  modifiedMs: number;
}

async function scanFile(file: string): Promise<{ model?: string; lines: number }> {
  let model: string | undefined;
  let lines = 0;
  // Capped: a huge file without newlines counts as one (unusable) line instead of a RangeError.
  for await (const capped of cappedLines(createReadStream(file, { highWaterMark: 1 << 20 }), MAX_RECORD_BYTES)) {
    if ('tooLong' in capped) {
      lines++;
      continue;
    }
    const line = capped.text;
    if (!line.trim()) continue;
    lines++;
    if (model === undefined && lines <= 5) {
      try {
        const m = (JSON.parse(line) as { model?: unknown }).model;
        if (typeof m === 'string' && m) model = m;
      } catch {
        // a torn or foreign line: the slug names the model instead
      }
    }
  }
  return { model, lines };
}

export async function listEvaluations(runDir: string): Promise<EvaluationListing[]> {
  const dir = join(runDir, PREDICTIONS_DIR);
  const names = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: EvaluationListing[] = [];
  for (const d of names) {
    if (!d.isFile() || !d.name.endsWith('.jsonl') || d.name.startsWith('.')) continue;
    const file = join(dir, d.name);
    const [info, s] = await Promise.all([scanFile(file), stat(file)]);
    const slug = d.name.slice(0, -'.jsonl'.length);
    out.push({ file, model: info.model ?? slug, slug, lines: info.lines, modifiedMs: s.mtimeMs });
  }
  return out.sort((a, b) => b.modifiedMs - a.modifiedMs || a.slug.localeCompare(b.slug));
}
