// The image-size step's "256×256 → 128×128" needs the tiles' usual size before any health check: read from headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { probeUsualTileSize } from '../../../src/core/dataset/usualTileSize';
import { generateDataset } from '../../fixtures/generateDataset';

test('the usual size comes from a few headers; a broken or odd image does not change it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pixtune-usual-'));
  try {
    await generateDataset(root, { classes: ['a', 'b'], perClass: 4, size: 48, format: 'jpeg', seed: 1 });
    await writeFile(join(root, 'a', 'a_000broken.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
    await sharp({ create: { width: 30, height: 20, channels: 3, background: '#888' } }).jpeg().toFile(join(root, 'b', 'b_000odd.jpg'));
    const ds = await scanDataset(root);
    assert.deepEqual(await probeUsualTileSize(ds), { width: 48, height: 48 });
    // Nothing readable: no size is claimed.
    assert.equal(await probeUsualTileSize({ ...ds, classes: [{ name: 'a', images: [{ path: 'a/a_000broken.jpg' }] }] }), undefined);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
