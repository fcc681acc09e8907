// Generates the sample workspace `npm run sample` opens: an AID-like dataset (8 aerial scene classes × 30 tiles)
// with a few files a real collection ends up with — a corrupt JPEG, a truncated one, an empty file and a text file
// in a class folder — so the Datasets view and the health check have something to show. Deterministic (seeded).
// The workspace's .vscode/settings.json names the dataset (`pixtune.datasets`), so Pixtune lists it from the
// start, and README.md walks through the whole loop (the same steps as the walkthrough "Get started with Pixtune").
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

\`${DATASET}/\` is a small generated aerial-scene dataset: ${CLASSES.length} classes × ${PER_CLASS} tiles of 256×256 px, one
folder per class, like AID or UC Merced. A few files are broken on purpose, as in real collections. Pixtune already
lists it (this folder's \`.vscode/settings.json\` names it in \`pixtune.datasets\`).

Every step below is a command: press **F1** (or Ctrl+Shift+P) and type its name. The walkthrough
**Get started with Pixtune** (Help → Welcome, or F1 → *Welcome: Open Walkthrough…*) shows the same steps.
Nothing here needs an API key or costs anything.

## 1. Look at the dataset
Open **Pixtune** in the activity bar. *Datasets* shows \`${DATASET}\` with its classes, image counts and shares.
Expand a class to see its images; click one to open it.

## 2. Check its health — **Pixtune: Check Dataset Health**
Every image is decoded. The three broken images (a truncated JPEG, a corrupt one and an empty PNG) are marked in
the tree and listed in a report, and \`airport/notes.txt\` is named as a file that is not an image: 4 problems in all.
Broken images are never trained on: the classes then count 30 usable images each.

## 3. Generate training data — **Pixtune: Generate Training Data**
Five short steps (split, image size, format, prompt, seed; **Back** returns to the previous one). Before anything is
written you see the token count, the cost estimate and what would be skipped (**Show Skipped**). The run appears
under *Training data*; click \`train.jsonl\` to read its records as image, prompt and answer.

## 4. Fine-tune in the sandbox — **Pixtune: Start Local Sandbox**, then **Pixtune: Launch Fine-Tuning**
The sandbox is a local stand-in for Mistral's API, labelled *Sandbox* everywhere and never billed. Launch a job on
your run (right-click the run → *Launch Fine-Tuning*) and watch it in *Fine-tuning Jobs*: status, loss curve and,
when it has succeeded, its model id.

## 5. Evaluate — **Pixtune: Evaluate Model**
Run the base model and then the fine-tuned one over the run's test split, and compare them: accuracy, per-class
scores, the confusion matrix and every tile next to its ground truth (**Pixtune: Open Review**).

Run \`npm run sample\` again at any time; \`PIXTUNE_SAMPLE_FRESH=1 npm run sample\` regenerates the dataset.
`;

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? join(process.env.HOME ?? '.', 'pixtune-sample'));
  const datasetRoot = join(dir, DATASET);
  const marker = join(dir, MARKER);
  if (existsSync(marker) && !process.env.PIXTUNE_SAMPLE_FRESH) {
    console.log(`[sample] ${datasetRoot} already exists (${(await readFile(marker, 'utf8')).trim()}); ` +
      'set PIXTUNE_SAMPLE_FRESH=1 to regenerate it');
    // A sample made by an older version gets the guide and the setting too (cheap, and never clobbers edits).
    await writeGuideAndSettings(dir);
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

  await writeGuideAndSettings(dir);
  await writeFile(marker, `generated ${new Date().toISOString()}\n`);
  console.log(`[sample] ${datasetRoot}: ${CLASSES.length} classes × ${PER_CLASS} images + 4 broken files, listed in Pixtune's Datasets view`);
}

/** README.md, and `pixtune.datasets` in .vscode/settings.json merged into what is there (a file that is not plain JSON is left alone). */
async function writeGuideAndSettings(dir: string): Promise<void> {
  await writeFile(join(dir, 'README.md'), README);
  const settingsPath = join(dir, '.vscode', 'settings.json');
  let settings: Record<string, unknown> = {};
  if (existsSync(settingsPath)) {
    try {
      const parsed: unknown = JSON.parse(await readFile(settingsPath, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      settings = parsed as Record<string, unknown>;
    } catch {
      console.log(`[sample] ${settingsPath} is not plain JSON, left as it is: add "pixtune.datasets": ["${DATASET}"] to it by hand`);
      return;
    }
  }
  const listed = Array.isArray(settings['pixtune.datasets']) ? (settings['pixtune.datasets'] as unknown[]) : [];
  if (listed.includes(DATASET)) return;
  settings['pixtune.datasets'] = [...listed, DATASET];
  await mkdir(join(dir, '.vscode'), { recursive: true });
  await writeFile(settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
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
