// `pixtune scan <folder> [--json] [--check] [--images] [--no-nested] [--concurrency N]`
// Exit codes: 0 the dataset is usable (problems such as imbalance are reported, not fatal); 1 the folder
// cannot be scanned, holds no images in class folders, or --check found images that cannot be used;
// 2 bad usage.
import { basename } from 'node:path';
import { scanDataset } from '../core/dataset/scanDataset';
import { summarizeDataset } from '../core/dataset/summarizeDataset';
import { BROKEN_IMAGE_KINDS, type HealthReport } from '../core/dataset/types';
import { UsageError } from '../core/errors';
import type { Subcommand } from './common';
import { parseCliArgs, printJson, printable } from './common';

const HELP = `Usage: pixtune scan <folder> [--json] [--check] [--images] [--no-nested] [--concurrency N]

Summarises a folder-per-class dataset: classes with image counts, skipped files with a reason each,
and problems (empty or tiny classes, non-image files, unreadable folders, class imbalance).
Hidden files and folders (.DS_Store, Thumbs.db, dot-folders) are ignored.

  --check          decode every image and report corrupt, truncated, empty, unsupported, oversized
                   and unusually sized ones (progress on stderr when it is a terminal)
  --concurrency N  images decoded at once by --check (default 2)
  --images         list every image path in the JSON output
  --no-nested      ignore images in sub-folders of class folders (they are listed as skipped)
  --json           print one JSON document:
                   { root, classes: [{ name, count, images? }], total, skipped: [{ path, reason }],
                     problems: [{ kind, path?, class?, message }],
                     health?: { checked, ok, unusable, byKind, usualSize? } }

Exit codes:
  0  the dataset is usable (warnings such as imbalance or unusual sizes do not change this)
  1  the folder does not exist or cannot be read, no class folder holds an image,
     or --check found images that cannot be used (empty, corrupt, truncated, unsupported, oversized)
  2  bad usage`;

/** How many skipped files the human output lists before pointing at --json. */
const HUMAN_SKIPPED_LIMIT = 50;

/** Terminal columns a string takes: East Asian wide characters and emoji take two, combining marks none. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x300 && c <= 0x36f) || c === 0x200d || (c >= 0xfe00 && c <= 0xfe0f)) continue;
    const wide =
      (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || c >= 0x1f300;
    w += wide ? 2 : 1;
  }
  return w;
}

export const scanCommand: Subcommand = async (argv, io) => {
  const { values, positionals } = parseCliArgs(argv, {
    json: { type: 'boolean' },
    check: { type: 'boolean' },
    images: { type: 'boolean' },
    'no-nested': { type: 'boolean' },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('scan takes exactly one folder.');
  const concurrency = values.concurrency === undefined ? 2 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError('--concurrency must be a whole number from 1 to 64.');
  const ds = await scanDataset(positionals[0]!, { includeNested: !values['no-nested'], signal: io.signal });

  let health: HealthReport | undefined;
  if (values.check) {
    // Loaded only here: a plain scan never loads sharp.
    const { checkDatasetHealth } = await import('../core/dataset/checkDatasetHealth');
    const tty = process.stderr.isTTY;
    health = await checkDatasetHealth(ds, {
      signal: io.signal,
      concurrency,
      onProgress: (p) => {
        if (!tty) return;
        const eta = p.etaSeconds !== undefined && p.done < p.total ? ` · ${Math.ceil(p.etaSeconds)} s left` : '';
        process.stderr.write(`\rchecking ${p.done}/${p.total} images · ${p.rate.toFixed(0)}/s${eta}\x1b[K`);
      },
    });
    if (tty) process.stderr.write('\n');
  }
  const summary = summarizeDataset(ds, { includeImages: values.images, extraProblems: health?.problems });
  const unusable = health?.problems.filter((p) => BROKEN_IMAGE_KINDS.has(p.kind)).length ?? 0;
  const byKind: Record<string, number> = {};
  for (const p of health?.problems ?? []) byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;

  if (values.json) {
    printJson(
      io,
      health
        ? { ...summary, health: { checked: health.checked, ok: health.ok, unusable, byKind, ...(health.usualSize ? { usualSize: health.usualSize } : {}) } }
        : summary,
    );
  } else {
    io.out(`${printable(basename(ds.root))}: ${summary.classes.length} class${summary.classes.length === 1 ? '' : 'es'}, ${summary.total} images`);
    const names = summary.classes.map((c) => printable(c.name));
    const width = Math.max(5, ...names.map(displayWidth));
    summary.classes.forEach((c, i) => {
      const share = summary.total ? ((c.count / summary.total) * 100).toFixed(1) : '0.0';
      const name = names[i]!;
      io.out(`  ${name}${' '.repeat(width - displayWidth(name))}  ${String(c.count).padStart(6)}  ${share.padStart(5)}%`);
    });
    if (summary.skipped.length) {
      io.out(`\nSkipped (${summary.skipped.length}):`);
      for (const s of summary.skipped.slice(0, HUMAN_SKIPPED_LIMIT)) io.out(`  ${printable(s.path)}: ${s.reason}`);
      if (summary.skipped.length > HUMAN_SKIPPED_LIMIT) io.out(`  …and ${summary.skipped.length - HUMAN_SKIPPED_LIMIT} more (--json lists them all).`);
    }
    if (health) {
      const usual = health.usualSize ? ` Usual size ${health.usualSize.width}×${health.usualSize.height}.` : '';
      io.out(`\nHealth check: ${health.checked} images decoded in ${(health.durationMs / 1000).toFixed(1)} s, ${health.ok} fine, ${unusable} unusable.${usual}`);
    }
    if (summary.problems.length) {
      io.out(`\nProblems (${summary.problems.length}):`);
      for (const p of summary.problems) io.out(`  [${p.kind}] ${printable(p.message)}`);
    } else {
      io.out('\nNo problems found.');
    }
  }
  if (summary.total === 0) {
    io.err('No images found in class folders: a dataset needs one sub-folder per class, each holding images.');
    return 1;
  }
  return unusable ? 1 : 0;
};
