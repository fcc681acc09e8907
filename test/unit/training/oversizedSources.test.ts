// prepare must not read a source image whole before checking it: three sparse 1.9 GB ".jpg" files
// took RSS to 5.9 GB. Size comes from stat (over the cap: refused with the reason), the header from
// the path (not an image: refused after a few bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { MAX_SOURCE_BYTES, readSource } from '../../../src/core/training/planPreparation';
import { ImageRejectedError } from '../../../src/core/images/encodeTile';

async function tile(colour: string): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 32, channels: 3, background: colour } }).jpeg().toBuffer();
}

test('sparse multi-GB and non-image files are refused with a reason, and the plan stays small in memory', { timeout: 120_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'pixtune-oversized-'));
  try {
    for (const [cls, colour] of [['forest', '#0a5'], ['river', '#05a']] as const) {
      await mkdir(join(root, cls));
      for (let i = 0; i < 3; i++) await writeFile(join(root, cls, `ok${i}.jpg`), await tile(colour));
    }
    for (const name of ['huge1.jpg', 'huge2.jpg', 'huge3.jpg']) {
      await writeFile(join(root, 'forest', name), '');
      await truncate(join(root, 'forest', name), 1900 * 1024 * 1024);
    }
    // Under the cap but not images: refused from their first bytes (three read whole at once would be 750 MB).
    for (const name of ['zeros1.jpg', 'zeros2.jpg', 'zeros3.jpg']) {
      await writeFile(join(root, 'river', name), '');
      await truncate(join(root, 'river', name), 250 * 1024 * 1024);
    }
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(import.meta.dirname ?? __dirname, 'oversizedSourceEntry.ts'), root], { maxBuffer: 1 << 20 });
    const { skipped, maxRssMb } = JSON.parse(stdout) as { skipped: { path: string; reason: string }[]; maxRssMb: number };
    const reason = (p: string) => skipped.find((s) => s.path.endsWith(p))?.reason ?? '(not skipped)';
    for (const n of ['huge1.jpg', 'huge2.jpg', 'huge3.jpg']) assert.match(reason(n), /1,900 MB, over the 256 MB limit for one image/);
    for (const n of ['zeros1.jpg', 'zeros2.jpg', 'zeros3.jpg']) assert.match(reason(n), /not an image file/);
    assert.equal(skipped.length, 6, JSON.stringify(skipped));
    // Measured: ~130 MB peak for the whole planning process (Node + sharp); one huge file read whole is 1.9 GB,
    // the three non-images read whole 750 MB.
    assert.ok(maxRssMb < 320, `peak RSS ${maxRssMb.toFixed(0)} MB`);
    console.log(`# prepare plan peak RSS with 3 × 1.9 GB + 3 × 250 MB hostile files: ${maxRssMb.toFixed(0)} MB`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('readSource refuses over the cap before reading and names the limit', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pixtune-oversized-'));
  try {
    await writeFile(join(root, 'a.jpg'), await tile('#fff'));
    await assert.rejects(readSource(root, 'a.jpg', undefined, 10), (e: unknown) => e instanceof ImageRejectedError && /over the 0 MB limit/.test(e.reason));
    assert.ok((await readSource(root, 'a.jpg')).length > 0);
    await writeFile(join(root, 'empty.jpg'), '');
    await assert.rejects(readSource(root, 'empty.jpg'), /empty/);
    assert.equal(MAX_SOURCE_BYTES, 256 * 1024 * 1024);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
