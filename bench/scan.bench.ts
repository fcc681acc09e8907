// Scan speed on 10k and 100k files, and the health check's images per second.
// The scan never decodes, so the scan datasets use tiny placeholder files with image names (the
// directory listing is what is measured); the health check uses real 600×600 JPEGs (it reads every byte;
// JPEGs are entropy-decoded in full and reduced at load, which is why it is faster than a full-size decode).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanDataset } from '../src/core/dataset/scanDataset';
import { checkDatasetHealth } from '../src/core/dataset/checkDatasetHealth';
import { generateDataset } from '../test/fixtures/generateDataset';

const OUT = join('bench', 'output');

async function placeholderDataset(name: string, classes: number, perClass: number): Promise<string> {
  const root = join(OUT, name);
  if (existsSync(join(root, '.complete'))) return root;
  await rm(root, { recursive: true, force: true });
  for (let c = 0; c < classes; c++) {
    const dir = join(root, `class_${String(c).padStart(2, '0')}`);
    await mkdir(dir, { recursive: true });
    await Promise.all(Array.from({ length: perClass }, (_, i) => writeFile(join(dir, `tile_${String(i).padStart(6, '0')}.jpg`), 'x')));
  }
  await writeFile(join(root, '.complete'), '');
  return root;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeScan(root: string, runs: number): Promise<{ first: number; median: number; images: number }> {
  const times: number[] = [];
  let images = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const ds = await scanDataset(root);
    times.push(performance.now() - t0);
    images = ds.classes.reduce((n, c) => n + c.images.length, 0);
  }
  return { first: times[0]!, median: median(times.slice(1)), images };
}

/**
 * Empties the OS page cache so the next scan reads directory blocks from disk. Opt-in (it slows down
 * everything else on the machine for a moment) and only possible as root on Linux.
 */
async function dropPageCache(): Promise<boolean> {
  if (process.env.PIXTUNE_BENCH_DROP_CACHES !== '1') return false;
  try {
    execFileSync('sync');
    await writeFile('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

async function main() {
  for (const [name, classes, perClass] of [['scan-10k', 30, 334], ['scan-100k', 30, 3334]] as const) {
    const root = await placeholderDataset(name, classes, perClass);
    if (await dropPageCache()) {
      const t0 = performance.now();
      await scanDataset(root);
      console.log(`scan ${name}: OS-cold run (page cache dropped) ${(performance.now() - t0).toFixed(1)} ms`);
    }
    const r = await timeScan(root, 6);
    console.log(`scan ${name}: ${r.images} images, first run in this process ${r.first.toFixed(1)} ms, median of 5 warm runs ${r.median.toFixed(1)} ms`);
  }
  if (process.env.PIXTUNE_BENCH_DROP_CACHES !== '1') console.log('(set PIXTUNE_BENCH_DROP_CACHES=1 as root for an OS-cold scan figure)');
  const healthRoot = join(OUT, 'health-1k');
  if (!existsSync(join(healthRoot, '.complete'))) {
    await rm(healthRoot, { recursive: true, force: true });
    console.log('generating 1,000 600×600 JPEGs (once) …');
    await generateDataset(healthRoot, { classes: Array.from({ length: 10 }, (_, i) => `class_${i}`), perClass: 100, size: 600 });
    await writeFile(join(healthRoot, '.complete'), '');
  }
  const ds = await scanDataset(healthRoot);
  // One untimed pass loads sharp and warms the page cache, so the figures compare concurrency only.
  await checkDatasetHealth({ ...ds, classes: ds.classes.map((c) => ({ ...c, images: c.images.slice(0, 20) })) });
  for (const concurrency of [1, 2, 4]) {
    const report = await checkDatasetHealth(ds, { concurrency });
    console.log(`health check, concurrency ${concurrency}: ${report.checked} images in ${(report.durationMs / 1000).toFixed(2)} s = ${((report.checked / report.durationMs) * 1000).toFixed(0)} images/s`);
  }
}

void main();
