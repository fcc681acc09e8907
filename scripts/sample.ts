// Generates the sample workspace `npm run sample` opens: an AID-like dataset (8 aerial scene classes × 30 tiles)
// with a few files a real collection ends up with — a corrupt JPEG, a truncated one, an empty file and a text file
// in a class folder — so the Datasets view and the health check have something to show. Deterministic (seeded).
//
// Usage: node --import tsx scripts/sample.ts <dir>   (PIXTUNE_SAMPLE_FRESH=1 regenerates an existing sample)
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateDataset } from '../test/fixtures/generateDataset';

const DATASET = 'aid-sample';
const CLASSES = ['airport', 'beach', 'bridge', 'farmland', 'forest', 'parking', 'river', 'storagetanks'];
const PER_CLASS = 30;
const MARKER = '.pixtune-sample';

const README = `# Pixtune sample

\`${DATASET}/\` is a small generated aerial-scene dataset: ${CLASSES.length} classes × ${PER_CLASS} tiles, one folder per class,
like AID or UC Merced. A few files are broken on purpose.

1. Right-click \`${DATASET}\` in the Explorer → **Pixtune: Add as Dataset** (or run it from the Command Palette).
2. Open the Pixtune view in the activity bar: classes, counts and shares.
3. Run **Pixtune: Check Dataset Health**: every image is decoded; the broken ones are marked in the tree and listed
   in a Markdown report.

No API key is needed for any of this.
`;

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? join(process.env.HOME ?? '.', 'pixtune-sample'));
  const datasetRoot = join(dir, DATASET);
  const marker = join(dir, MARKER);
  if (existsSync(marker) && !process.env.PIXTUNE_SAMPLE_FRESH) {
    console.log(`[sample] ${datasetRoot} already exists (${(await readFile(marker, 'utf8')).trim()}); ` +
      'set PIXTUNE_SAMPLE_FRESH=1 to regenerate it');
    return;
  }
  // Only a folder we generated ourselves is ever deleted.
  if (existsSync(marker)) await rm(datasetRoot, { recursive: true, force: true });
  await mkdir(datasetRoot, { recursive: true });
  await generateDataset(datasetRoot, { classes: CLASSES, perClass: PER_CLASS, size: 256, format: 'jpeg', seed: 2026 });

  // Broken files of the kinds real collections have.
  const good = await readFile(join(datasetRoot, 'beach', await firstJpeg(join(datasetRoot, 'beach'))));
  await writeFile(join(datasetRoot, 'beach', 'beach_truncated.jpg'), good.subarray(0, Math.floor(good.length / 2)));
  const garbage = Buffer.alloc(4096, 0x5a);
  await writeFile(join(datasetRoot, 'forest', 'forest_corrupt.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), garbage]));
  await writeFile(join(datasetRoot, 'river', 'river_empty.png'), Buffer.alloc(0));
  await writeFile(join(datasetRoot, 'airport', 'notes.txt'), 'labelled by hand, batch 3\n');

  await writeFile(join(dir, 'README.md'), README);
  await writeFile(marker, `generated ${new Date().toISOString()}\n`);
  console.log(`[sample] ${datasetRoot}: ${CLASSES.length} classes × ${PER_CLASS} images + 4 broken files`);
}

async function firstJpeg(dir: string): Promise<string> {
  const name = (await readdir(dir)).filter((n) => /\.jpe?g$/i.test(n)).sort()[0];
  if (!name) throw new Error(`no JPEG generated in ${dir}`);
  return name;
}

main().catch((err: unknown) => {
  console.error(`[sample] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
