// `pixtune prepare <dataset> --out <dir>`: scan, plan (hash, split, duplicates, estimate) and write
// train.jsonl / validation.jsonl / test.batch.jsonl + manifest.json + report.md. `--dry-run` stops
// after the plan. Same seed and inputs → byte-identical outputs.
import { resolve } from 'node:path';
import { UsageError, UserError } from '../core/errors';
import { existingRunFiles } from '../core/training/runOutputs';
import { scanDataset } from '../core/dataset/scanDataset';
import type { PreparationPlan } from '../core/training/planPreparation';
import type { PrepareOptionsInput } from '../core/training/prepareOptions';
import type { PrepareResult } from '../core/training/prepareTrainingData';
import type { Progress } from '../core/training/progressReporter';
import { formatBytes } from '../core/training/validateJsonl';
import { parseCliArgs, parseNumberOption, printJson, type CliIO, type Subcommand } from './common';

const HELP = `Usage: pixtune prepare <dataset> --out <dir> [options]

Split a folder-per-class dataset, encode its images and write Mistral fine-tuning files:
train.jsonl (or train.part-NNN.jsonl), validation.jsonl, test.batch.jsonl, manifest.json, report.md.

Split (stratified by class):
  --train F --val F --test F   fractions (default 0.8 / 0 / 0.2; --train defaults to the rest)
  --train-count N --val-count N --test-count N
                               fixed images per class instead (train: the rest when omitted)
  --seed N                     shuffling seed (default 42)
Images:
  --scale F | --max-edge PX    downscale factor (default 0.5) or longest edge; never upscales
  --format jpeg|png            (default jpeg)   --quality Q   JPEG quality (default 90)
Prompt:
  --template reference|compact|<file.json>   (default reference)
Checks and limits:
  --drop-duplicates            remove exact and near duplicates before splitting
  --near-distance N            perceptual-hash distance for near duplicates (default 4, 0 = off)
  --max-file-mb N              write each file (train, validation, test) in parts of at most N MB
Estimate:
  --epochs N (default 2)  --price-per-million USD (default 2)
Other:
  --dry-run                    plan and estimate only, write nothing
  --overwrite                  replace a run already in --out (its files that are not written again are removed)
  --concurrency N              images processed at once
  --json                       print one JSON document`;

const num = parseNumberOption;

function progressPrinter(io: CliIO): ((p: Progress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 200 && p.done < p.total) return;
    last = now;
    const rate = p.rate ? ` ${p.rate.toFixed(0)}/s` : '';
    const eta = p.etaSeconds !== undefined && p.done < p.total ? ` ETA ${Math.ceil(p.etaSeconds)}s` : '';
    process.stderr.write(`\r${p.phase ?? 'working'} ${p.done}/${p.total}${rate}${eta}\x1b[K${p.done === p.total ? '\n' : ''}`);
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

function summary(plan: PreparationPlan, result: PrepareResult | undefined): string[] {
  const e = result?.estimate ?? plan.estimate;
  const lines: string[] = [];
  const used = plan.perClass.reduce((n, c) => n + c.train + c.validation + c.test, 0);
  lines.push(result ? `Prepared ${fmt(used)} images of ${plan.classes.length} classes in ${result.outDir}` : `Plan for ${fmt(used)} images of ${plan.classes.length} classes (nothing written)`);
  lines.push(`  split: ${fmt(plan.splits.train.length)} train, ${fmt(plan.splits.validation.length)} validation, ${fmt(plan.splits.test.length)} test (seed ${plan.options.split.seed})`);
  if (result) for (const f of result.files) lines.push(`  ${f.name.padEnd(24)} ${fmt(f.lines).padStart(7)} lines  ${formatBytes(f.bytes).padStart(9)}`);
  else lines.push(`  estimated size: train ${formatBytes(e.trainBytes)}, validation ${formatBytes(e.validationBytes)}, test batch ${formatBytes(e.testBytes)}`);
  const t = e.train;
  lines.push(`Estimate: ${fmt(t.dataTokens)} training tokens (${fmt(e.tokensPerExample)} per example); ${t.epochs} epoch${t.epochs === 1 ? '' : 's'} ≈ ${fmt(t.trainTokens)} tokens ≈ ${t.cost.toFixed(2)} USD at ${t.pricePerMillion} USD per million.`);
  const skipped = result?.skipped ?? plan.skipped;
  if (skipped.length) {
    lines.push(`Skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'}:`);
    for (const s of skipped.slice(0, 10)) lines.push(`  ${JSON.stringify(s.path)}: ${s.reason}`);
    if (skipped.length > 10) lines.push(`  … ${skipped.length - 10} more in manifest.json`);
  }
  const warnings = result?.warnings ?? plan.warnings;
  if (warnings.length) lines.push('Warnings:', ...warnings.map((w) => `  - ${w}`));
  return lines;
}

export const prepareCommand: Subcommand = async (argv, io) => {
  const { values: v, positionals } = parseCliArgs(argv, {
    out: { type: 'string', short: 'o' },
    train: { type: 'string' },
    val: { type: 'string' },
    test: { type: 'string' },
    'train-count': { type: 'string' },
    'val-count': { type: 'string' },
    'test-count': { type: 'string' },
    seed: { type: 'string' },
    scale: { type: 'string' },
    'max-edge': { type: 'string' },
    format: { type: 'string' },
    quality: { type: 'string' },
    template: { type: 'string' },
    'drop-duplicates': { type: 'boolean' },
    'near-distance': { type: 'string' },
    'max-file-mb': { type: 'string' },
    epochs: { type: 'string' },
    'price-per-million': { type: 'string' },
    'dry-run': { type: 'boolean' },
    concurrency: { type: 'string' },
    json: { type: 'boolean' },
    overwrite: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'Give exactly one dataset folder.' : 'Missing the dataset folder.');
  if (!v.out && !v['dry-run']) throw new UsageError('Missing --out <dir> (or use --dry-run).');
  if (v.scale !== undefined && v['max-edge'] !== undefined) throw new UsageError('Use either --scale or --max-edge, not both.');
  if (v.format !== undefined && v.format !== 'jpeg' && v.format !== 'png') throw new UsageError(`--format must be jpeg or png, got "${v.format}".`);

  const fraction = (k: 'train' | 'val' | 'test') => num(k, v[k], { min: 0, max: 1 });
  const count = (k: 'train-count' | 'val-count' | 'test-count') => num(k, v[k], { int: true, min: 0 });
  const useCounts = v['train-count'] !== undefined || v['val-count'] !== undefined || v['test-count'] !== undefined;
  if (useCounts && (v.train !== undefined || v.val !== undefined || v.test !== undefined)) throw new UsageError('Use either fractions (--train/--val/--test) or counts (--*-count), not both.');
  const val = fraction('val') ?? 0;
  const test = fraction('test') ?? (v.train !== undefined ? 1 - (fraction('train') ?? 0) - val : 0.2);
  const train = fraction('train') ?? 1 - val - test;
  if (!useCounts && Math.abs(train + val + test - 1) > 1e-9) throw new UsageError(`--train, --val and --test must add up to 1 (got ${train} + ${val} + ${test}).`);
  const maxFileMb = num('max-file-mb', v['max-file-mb'], { min: 1 });
  const options: PrepareOptionsInput = {
    split: {
      seed: num('seed', v.seed, { int: true }),
      ...(useCounts ? { counts: { train: count('train-count'), validation: count('val-count') ?? 0, test: count('test-count') ?? 0 } } : { train, validation: val, test }),
    },
    image: {
      scale: num('scale', v.scale, { min: 0.001, max: 1 }),
      maxEdge: num('max-edge', v['max-edge'], { int: true, min: 1 }),
      format: v.format as 'jpeg' | 'png' | undefined,
      quality: num('quality', v.quality, { int: true, min: 1, max: 100 }),
    },
    template: v.template,
    dropDuplicates: v['drop-duplicates'] ?? false,
    nearDuplicateDistance: num('near-distance', v['near-distance'], { int: true, min: 0, max: 12 }),
    maxFileBytes: maxFileMb !== undefined ? Math.floor(maxFileMb * 1024 * 1024) : undefined,
    epochs: num('epochs', v.epochs, { min: 0.01 }),
    pricePerMillion: num('price-per-million', v['price-per-million'], { min: 0 }),
  };
  const concurrency = num('concurrency', v.concurrency, { int: true, min: 1 });

  const { planPreparation } = await import('../core/training/planPreparation');
  const { prepareTrainingData } = await import('../core/training/prepareTrainingData');
  const dataset = await scanDataset(resolve(positionals[0]!), { signal: io.signal });
  const usable = dataset.classes.filter((c) => c.images.length).length;
  if (usable < 2) throw new UserError(`${dataset.root} has ${usable === 0 ? 'no class with images' : 'only one class with images'}: a classifier needs at least two.`, 'Put each class in its own sub-folder of the dataset folder.');
  const earlier = v['dry-run'] ? [] : await existingRunFiles(resolve(v.out!));
  if (earlier.length && !v.overwrite) {
    throw new UserError(`${v.out} already holds a run (${earlier.slice(0, 3).join(', ')}${earlier.length > 3 ? ', …' : ''}).`, 'Choose a new --out folder, or pass --overwrite to replace that run.');
  }
  const onProgress = v.json ? undefined : progressPrinter(io);
  // Without confirmation to wait for, one pass decodes each image once (plan and tiles together);
  // --dry-run only plans.
  // --overwrite replaces the old run as a whole (staged beside it, renamed into place): none of its files stay.
  const result = v['dry-run'] ? undefined : await prepareTrainingData(dataset, options, v.out!, { signal: io.signal, onProgress, concurrency, replace: v.overwrite });
  const plan = result?.plan ?? (await planPreparation(dataset, options, { signal: io.signal, onProgress, concurrency }));
  if (v.json) {
    printJson(io, {
      dryRun: !result,
      outDir: result?.outDir,
      classes: plan.classes,
      perClass: result?.perClass ?? plan.perClass,
      files: result?.files.map((f) => ({ name: f.name, split: f.split, kind: f.kind, lines: f.lines, bytes: f.bytes })),
      estimate: result?.estimate ?? plan.estimate,
      skipped: result?.skipped ?? plan.skipped,
      duplicates: plan.duplicates.map((d) => ({ ...d, paths: d.members.map((m) => plan.images[m]!.path) })),
      warnings: result?.warnings ?? plan.warnings,
      manifest: result?.manifestPath,
      report: result?.reportPath,
    });
  } else {
    for (const line of summary(plan, result)) io.out(line);
  }
  return 0;
};
