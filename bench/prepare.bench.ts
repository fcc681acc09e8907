// Benchmark of `pixtune prepare` (not a test: prints figures, asserts nothing).
//   1. ours: the CLI as a user runs it (wall time and peak RSS via /usr/bin/time -v)
//   2. a notebook-style Python/PIL baseline (bench/baseline_pil.py, Debian's python3-pil)
//   3. "sharp alone": decode + resize ½ + JPEG q90 of the same files at the same concurrency, nothing else (the floor)
//   4. the VS Code path (plan shown in a dialog, then written): encoded once (EncodedTiles) vs a hash-only plan
//      and a second decode when writing — time to the dialog and time to write after it
//   5. CPU per image of each step, one thread, sharp vs PIL (bench/floor/): how far any sharp pipeline can go
//      on this machine, whatever the concurrency — the ceiling behind the "≥ 3× the baseline" target
// Datasets (600×600 JPEG, aerial-like, from test/fixtures/generateDataset) are generated once and cached
// under bench/output/. Usage: npm run bench -- prepare [--no-10k] [--no-python]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtemp } from 'node:fs/promises';
import { generateDataset } from '../test/fixtures/generateDataset';
import { scanDataset } from '../src/core/dataset/scanDataset';
import { encodeAndPlan } from '../src/core/training/encodedTiles';
import { planPreparation } from '../src/core/training/planPreparation';
import { prepareTrainingData } from '../src/core/training/prepareTrainingData';

const OUT = resolve('bench/output');
const args = process.argv.slice(2);
const concurrency = Math.max(4, availableParallelism());

async function cachedDataset(name: string, classes: number, perClass: number): Promise<string> {
  const dir = join(OUT, name);
  const marker = join(dir, '.complete');
  if (!existsSync(marker)) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    console.log(`generating ${classes * perClass} images in ${dir} (once) …`);
    await generateDataset(dir, { classes: Array.from({ length: classes }, (_, i) => `class${String(i).padStart(2, '0')}`), perClass, size: 600, format: 'jpeg', seed: 1 });
    await writeFile(marker, '');
  }
  const root = (await readdir(dir)).length === 2 && existsSync(join(dir, 'dataset')) ? join(dir, 'dataset') : dir;
  return root;
}

interface Timed {
  seconds: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time -v: wall clock and peak RSS of the child, not of this process. */
function timed(cmd: string, cmdArgs: string[], env: NodeJS.ProcessEnv = {}): Timed {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...cmdArgs], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed:\n${r.stderr}`);
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr)!;
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)![1]) / 1024;
  return { seconds, maxRssMb: rss, stdout: r.stdout };
}

const SHARP_ALONE = `
const sharp = require('sharp'); sharp.cache(false);
const fs = require('fs'), path = require('path');
const root = process.argv[1], conc = Number(process.argv[2]);
const files = fs.readdirSync(root).filter((c) => fs.statSync(path.join(root, c)).isDirectory()).sort()
  .flatMap((c) => fs.readdirSync(path.join(root, c)).sort().map((f) => path.join(root, c, f)));
let i = 0;
Promise.all(Array.from({ length: conc }, async () => {
  while (i < files.length) { const f = files[i++]; await sharp(f).resize(300, 300).jpeg({ quality: 90 }).toBuffer(); }
})).then(() => console.log(files.length));`;

function ours(root: string, label: string): Timed & { images: number } {
  const out = join(OUT, `run-${label}`);
  const t = timed('node', ['dist/cli.js', 'prepare', root, '--out', out, '--json', '--concurrency', String(concurrency)]);
  const summary = JSON.parse(t.stdout);
  const images = summary.files.reduce((n: number, f: { lines: number }) => n + f.lines, 0);
  return { ...t, images };
}

/** The extension's flow, in this process, at the extension's concurrency (2): seconds to the cost dialog and after it. */
async function uiPath(root: string): Promise<void> {
  const dataset = await scanDataset(root);
  const n = dataset.classes.reduce((k, c) => k + c.images.length, 0);
  const line = (label: string, a: number, b: number) =>
    console.log(`${label} ${(a / 1000).toFixed(1)} s to the cost dialog + ${(b / 1000).toFixed(1)} s writing = ${(n / ((a + b) / 1000)).toFixed(0)} images/s`);
  const scratch = await mkdtemp(join(tmpdir(), 'pixtune-bench-ui-'));
  try {
    let t0 = performance.now();
    const { tiles } = await encodeAndPlan(dataset, {}, scratch, { concurrency: 2 });
    let t1 = performance.now();
    await prepareTrainingData(dataset, {}, join(scratch, 'once'), { tiles, concurrency: 2 });
    await tiles.dispose();
    line('VS Code path, decoded once (now):      ', t1 - t0, performance.now() - t1);
    t0 = performance.now();
    const plan = await planPreparation(dataset, {}, { concurrency: 2 });
    t1 = performance.now();
    await prepareTrainingData(dataset, {}, join(scratch, 'twice'), { plan, concurrency: 2 });
    line('VS Code path, hash plan + 2nd decode:  ', t1 - t0, performance.now() - t1);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** ms of CPU per image of each step, one thread, on the first 200 files (see bench/floor/). */
function cpuFloor(root: string, withPython: boolean): void {
  const files = spawnSync('find', [root, '-name', '*.jpg'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort().slice(0, 200);
  const run = (cmd: string, cmdArgs: string[]) => {
    const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', env: { ...process.env, UV_THREADPOOL_SIZE: '1' } });
    if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs[0]} failed:\n${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, number>;
  };
  const ms = (v: number | undefined) => `${v!.toFixed(2)} ms`;
  const sh = run('node', ['bench/floor/sharp-steps.cjs', ...files]);
  console.log(`CPU per image, one thread (${files.length} images):`);
  console.log(`  sharp: decode ${ms(sh.decode)} · decode + resize ½ ${ms(sh.decodeResize)} · JPEG q90 of the tile ${ms(sh.encode)} · all three in one pipeline ${ms(sh.whole)} · an empty call ${ms(sh.emptyCall)}`);
  if (!withPython) return;
  const pil = run('/usr/bin/python3', ['bench/floor/pil_steps.py', ...files]);
  console.log(`  PIL:   decode ${ms(pil.decode)} · decode + LANCZOS ½ ${ms(pil.decodeResize)} · the whole notebook step ${ms(pil.whole)}`);
  const cores = availableParallelism();
  console.log(
    `  ceiling for any sharp pipeline on ${cores} cores: ${cores} × ${ms(pil.whole)} / ${ms(sh.whole)} = ${((cores * pil.whole!) / sh.whole!).toFixed(2)}× the baseline ` +
      `(3× needs ≤ ${ms((cores * pil.whole!) / 3)} of CPU per image; sharp's decode alone is ${ms(sh.decode)})`,
  );
}

async function main() {
  if (!existsSync('dist/cli.js')) throw new Error('build first: node esbuild.js');
  const root1k = await cachedDataset('aerial-1k', 10, 100);
  console.log(`machine: ${availableParallelism()} CPUs, concurrency ${concurrency}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '(default 4)'}`);

  const a = ours(root1k, '1k');
  const s = timed('node', ['-e', SHARP_ALONE, root1k, String(concurrency)]);
  const rate = (n: number, t: Timed) => n / t.seconds;
  console.log(`ours (CLI prepare, 1k):  ${rate(a.images, a).toFixed(0)} images/s  (${a.seconds.toFixed(1)} s, peak RSS ${a.maxRssMb.toFixed(0)} MB)`);
  console.log(`sharp alone (1k):        ${rate(a.images, s).toFixed(0)} images/s  (${s.seconds.toFixed(1)} s, peak RSS ${s.maxRssMb.toFixed(0)} MB)`);
  console.log(`ours vs sharp alone:     ${(a.seconds / s.seconds).toFixed(2)}× the time (target ≤ 1.5×)`);
  if (!args.includes('--no-python')) {
    const p = timed('/usr/bin/python3', ['bench/baseline_pil.py', root1k, join(OUT, 'baseline.jsonl')]);
    const pr = JSON.parse(p.stdout);
    console.log(`python/PIL baseline (1k): ${rate(pr.images, p).toFixed(0)} images/s  (${p.seconds.toFixed(1)} s, peak RSS ${p.maxRssMb.toFixed(0)} MB)`);
    console.log(`ours / baseline:         ${(rate(a.images, a) / rate(pr.images, p)).toFixed(2)}× faster (target ≥ 3×)`);
  }
  await uiPath(root1k);
  cpuFloor(root1k, !args.includes('--no-python'));
  if (!args.includes('--no-10k')) {
    const root10k = await cachedDataset('aerial-10k', 20, 500);
    const b = ours(root10k, '10k');
    console.log(`ours (CLI prepare, 10k): ${rate(b.images, b).toFixed(0)} images/s  (${b.seconds.toFixed(1)} s, peak RSS ${b.maxRssMb.toFixed(0)} MB)`);
    console.log(`peak RSS 1k → 10k:       ${a.maxRssMb.toFixed(0)} MB → ${b.maxRssMb.toFixed(0)} MB (target: flat)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
