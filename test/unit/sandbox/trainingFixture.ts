// Builds a small labelled image set and the training JSONL for it, at test time (no committed
// binaries). Classes differ in colour and texture so a model that really looks at the images can
// separate them, while brightness jitter and noise keep it from being trivial.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export interface FixtureImage {
  label: string;
  dataUrl: string;
}

export interface TrainingFixture {
  classes: string[];
  systemPrompt: string;
  trainPath: string;
  train: FixtureImage[];
  test: FixtureImage[];
}

const PALETTE: Record<string, [number, number, number]> = {
  forest: [40, 90, 45],
  river: [50, 80, 120],
  industrial: [120, 115, 110],
  pasture: [110, 140, 70],
  residential: [150, 120, 110],
};

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

export async function makeImage(rgb: [number, number, number], rand: () => number, size = 32, format: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  const data = Buffer.alloc(size * size * 3);
  const jitter = (rand() - 0.5) * 60;
  const stripes = rand() < 0.5;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const texture = stripes && y % 8 < 4 ? 15 : 0;
      for (let c = 0; c < 3; c++) {
        const v = rgb[c]! + jitter + texture + (rand() - 0.5) * 50;
        data[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  const img = sharp(data, { raw: { width: size, height: size, channels: 3 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 85 }).toBuffer();
}

export function dataUrl(bytes: Buffer, mime = 'image/jpeg'): string {
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

export function systemPromptFor(classes: string[]): string {
  return (
    `You are an expert in aerial and satellite image analysis. Classify the image into exactly one of these classes: ${classes.join('; ')}.\n` +
    'First describe the image briefly, then answer with a JSON object in a ```json code block with the keys "image_description" and "label".'
  );
}

export function trainingLine(system: string, image: string, label: string): string {
  const answer = '```json\n' + JSON.stringify({ image_description: `An aerial image of ${label}.`, label }) + '\n```';
  return JSON.stringify({
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: [{ type: 'image_url', image_url: image }] },
      { role: 'assistant', content: answer },
    ],
  });
}

export async function buildTrainingFixture(dir: string, opts: { classes?: string[]; perClass?: number; testPerClass?: number; seed?: number } = {}): Promise<TrainingFixture> {
  const classes = opts.classes ?? Object.keys(PALETTE);
  const rand = rng(opts.seed ?? 7);
  const train: FixtureImage[] = [];
  const test: FixtureImage[] = [];
  for (const label of classes) {
    const rgb = PALETTE[label] ?? [Math.floor(rand() * 255), Math.floor(rand() * 255), Math.floor(rand() * 255)];
    for (let i = 0; i < (opts.perClass ?? 8); i++) train.push({ label, dataUrl: dataUrl(await makeImage(rgb, rand)) });
    for (let i = 0; i < (opts.testPerClass ?? 6); i++) test.push({ label, dataUrl: dataUrl(await makeImage(rgb, rand)) });
  }
  const systemPrompt = systemPromptFor(classes);
  await mkdir(dir, { recursive: true });
  const trainPath = join(dir, 'train.jsonl');
  await writeFile(trainPath, train.map((t) => trainingLine(systemPrompt, t.dataUrl, t.label)).join('\n') + '\n');
  return { classes, systemPrompt, trainPath, train, test };
}
