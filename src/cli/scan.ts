// `pixtune scan <folder> [--json] [--check] [--images] [--no-nested]`
// Exit codes: 0 the dataset was scanned (problems are reported, not fatal), 1 the folder cannot be
// scanned, or --check found images that cannot be used; 2 bad usage.
import { basename } from 'node:path';
import { scanDataset } from '../core/dataset/scanDataset';
import { summarizeDataset } from '../core/dataset/summarizeDataset';
import { UsageError } from '../core/errors';
import type { Subcommand } from './common';
import { parseCliArgs, printJson } from './common';

const HELP = `Usage: pixtune scan <folder> [--json] [--check] [--images] [--no-nested]

Summarises a folder-per-class dataset: classes with image counts, skipped files with a reason each,
and problems (empty or tiny classes, non-image files, unreadable folders, class imbalance).

  --check      decode every image and report corrupt, truncated, empty, unsupported, oversized
               and unusually sized ones (exit code 1 if any image cannot be used)
  --images     list every image path in the JSON output
  --no-nested  ignore images in sub-folders of class folders
  --json       print one JSON document:
               { root, classes: [{ name, count, images? }], total, skipped: [{ path, reason }],
                 problems: [{ kind, path?, class?, message }], health? }`;

const FATAL_HEALTH = new Set(['zero-byte', 'corrupt', 'truncated', 'unsupported', 'oversized', 'unreadable']);

export const scanCommand: Subcommand = async (argv, io) => {
  const { values, positionals } = parseCliArgs(argv, {
    json: { type: 'boolean' },
    check: { type: 'boolean' },
    images: { type: 'boolean' },
    'no-nested': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('scan takes exactly one folder.');
  const ds = await scanDataset(positionals[0]!, { includeNested: !values['no-nested'], signal: io.signal });

  let health: Awaited<ReturnType<typeof import('../core/dataset/checkDatasetHealth').checkDatasetHealth>> | undefined;
  if (values.check) {
    const { checkDatasetHealth } = await import('../core/dataset/checkDatasetHealth');
    const tty = process.stderr.isTTY;
    health = await checkDatasetHealth(ds, {
      signal: io.signal,
      concurrency: 4,
      onProgress: (p) => {
        if (tty) process.stderr.write(`\rchecking ${p.done}/${p.total} images · ${p.rate.toFixed(0)}/s   `);
      },
    });
    if (tty) process.stderr.write('\n');
  }
  const summary = summarizeDataset(ds, { includeImages: values.images, extraProblems: health?.problems });
  const unusable = health?.problems.filter((p) => FATAL_HEALTH.has(p.kind)).length ?? 0;

  if (values.json) {
    printJson(io, health ? { ...summary, health: { checked: health.checked, ok: health.ok, problems: health.problems.length, usualSize: health.usualSize } } : summary);
  } else {
    io.out(`${basename(ds.root)}: ${summary.classes.length} classes, ${summary.total} images`);
    const width = Math.max(5, ...summary.classes.map((c) => c.name.length));
    for (const c of summary.classes) {
      const share = summary.total ? ((c.count / summary.total) * 100).toFixed(1) : '0.0';
      io.out(`  ${c.name.padEnd(width)}  ${String(c.count).padStart(6)}  ${share.padStart(5)}%`);
    }
    if (summary.skipped.length) {
      io.out(`\nSkipped (${summary.skipped.length}):`);
      for (const s of summary.skipped) io.out(`  ${s.path}: ${s.reason}`);
    }
    if (health) io.out(`\nHealth check: ${health.checked} images decoded, ${health.ok} fine, ${health.problems.length} with problems.`);
    if (summary.problems.length) {
      io.out(`\nProblems (${summary.problems.length}):`);
      for (const p of summary.problems) io.out(`  [${p.kind}] ${p.message}`);
    } else {
      io.out('\nNo problems found.');
    }
  }
  return unusable ? 1 : 0;
};
