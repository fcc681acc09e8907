// The sandbox's small, deterministic "vision model". A fine-tuned model is a nearest-centroid
// classifier over simple image statistics learnt from the uploaded training images, so it genuinely
// beats the base model on separable data. The base model reads the class list from the prompt and
// guesses from colour alone against prototypes derived from the class names: plausible, often wrong,
// and now and then (≈5%) it answers a label that is not in the list — as real base models do.
import { createHash } from 'node:crypto';
import { loadSharp } from '../images/loadSharp';

/** 4×4 RGB thumbnail (48) + mean RGB (3) + std RGB (3) + mean chromaticity (3), all in 0..1. */
export type Features = number[];

const GRID = 16;

export async function imageFeatures(bytes: Uint8Array): Promise<Features> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: 100_000_000 })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(GRID, GRID, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const ch = info.channels;
  const thumb = new Array<number>(48).fill(0);
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  const block = GRID / 4;
  for (let y = 0; y < GRID; y++) {
    for (let x = 0; x < GRID; x++) {
      const cell = Math.floor(y / block) * 4 + Math.floor(x / block);
      for (let c = 0; c < 3; c++) {
        const v = data[(y * GRID + x) * ch + Math.min(c, ch - 1)]! / 255;
        thumb[cell * 3 + c]! += v / (block * block);
        sum[c]! += v;
        sq[c]! += v * v;
      }
    }
  }
  const n = GRID * GRID;
  const mean = sum.map((s) => s / n);
  const std = sq.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c]! ** 2)));
  // Chromaticity (colour with brightness divided out): lighting varies between images of a class,
  // hue much less.
  const total = mean[0]! + mean[1]! + mean[2]! + 1e-6;
  const chroma = mean.map((m) => m / total);
  return [...thumb, ...mean, ...std, ...chroma];
}

export interface CentroidModel {
  labels: string[];
  centroids: Features[];
  /** Per-class, per-dimension spread; distances are measured in these units. */
  scales: number[][];
}

/**
 * Nearest centroid with a per-class diagonal spread (a Gaussian naive Bayes, in effect): a class
 * whose colour barely varies is not confused with one whose colour varies a lot. Each class's
 * spread is shrunk towards the pooled one so a handful of examples cannot make it degenerate.
 */
export function fitNearestCentroid(examples: { label: string; features: Features }[]): CentroidModel {
  const byLabel = new Map<string, Features[]>();
  for (const e of examples) byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), e.features]);
  const labels = [...byLabel.keys()].sort();
  const dims = examples[0]?.features.length ?? 0;
  const centroids = labels.map((l) => {
    const rows = byLabel.get(l)!;
    return Array.from({ length: dims }, (_, d) => rows.reduce((s, r) => s + r[d]!, 0) / rows.length);
  });
  const sumSq = labels.map((l, i) => Array.from({ length: dims }, (_, d) => byLabel.get(l)!.reduce((s, r) => s + (r[d]! - centroids[i]![d]!) ** 2, 0)));
  const pooled = Array.from({ length: dims }, (_, d) => sumSq.reduce((s, row) => s + row[d]!, 0) / Math.max(1, examples.length - labels.length));
  const SHRINK = 3;
  const scales = labels.map((l, i) => {
    const n = byLabel.get(l)!.length;
    return Array.from({ length: dims }, (_, d) => Math.sqrt((sumSq[i]![d]! + SHRINK * pooled[d]!) / (n - 1 + SHRINK)) + 0.003);
  });
  return { labels, centroids, scales };
}

export function predictNearestCentroid(model: CentroidModel, f: Features): string {
  let best = 0;
  let bestDist = Infinity;
  model.centroids.forEach((c, i) => {
    const scale = model.scales[i]!;
    let d = 0;
    // The 48 thumbnail dims together weigh like one 3-d group, so per-pixel noise cannot outvote
    // the global colour statistics. The log term is the price of a wide class.
    for (let k = 0; k < c.length; k++) d += (k < 48 ? 1 / 16 : 1) * (((f[k]! - c[k]!) / scale[k]!) ** 2 + 2 * Math.log(scale[k]!));
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
  });
  return model.labels[best] ?? 'unknown';
}

function hashUnit(text: string, salt: string): number {
  return createHash('sha256').update(salt).update('\0').update(text).digest().readUInt32BE(0) / 0xffffffff;
}

// Colour words a base model would plausibly associate with aerial-image class names.
const COLOUR_HINTS: [RegExp, [number, number, number]][] = [
  [/forest|tree|wood|vegetation|jungle|green|grass|park|meadow|pasture/i, [0.2, 0.4, 0.2]],
  [/water|sea|ocean|river|lake|harbou?r|blue|coast/i, [0.15, 0.3, 0.5]],
  [/desert|sand|beach|dune|bare|soil/i, [0.75, 0.65, 0.45]],
  [/urban|city|building|residential|industrial|road|highway|parking|commercial|grey|gray/i, [0.5, 0.5, 0.5]],
  [/snow|ice|cloud|white/i, [0.9, 0.9, 0.92]],
  [/crop|field|farm|agricultur|annual|permanent|yellow/i, [0.6, 0.6, 0.3]],
  [/red|brick|roof/i, [0.65, 0.3, 0.25]],
];

function prototypeColour(label: string): [number, number, number] {
  for (const [re, rgb] of COLOUR_HINTS) if (re.test(label)) return rgb;
  return [hashUnit(label, 'r'), hashUnit(label, 'g'), hashUnit(label, 'b')];
}

const INVENTED = ['unknown', 'cloud cover', 'shadow', 'mixed use', 'other'];

/**
 * The base model's answer label: nearest class-name prototype by mean colour, with a per-image
 * deterministic perturbation; about 1 image in 20 gets a label outside the list.
 */
export function baseModelLabel(classes: string[], f: Features, imageKey: string, allowInvented = true): string {
  // allowInvented false: decoding constrained to the class list (response_format with an enum).
  if ((allowInvented && hashUnit(imageKey, 'invent') < 0.05) || classes.length === 0) {
    const pick = INVENTED.filter((l) => !classes.includes(l));
    const plural = classes.length ? `${classes[Math.floor(hashUnit(imageKey, 'which') * classes.length)]}s` : undefined;
    const options = plural && !classes.includes(plural) ? [...pick, plural] : pick;
    return options[Math.floor(hashUnit(imageKey, 'invented') * options.length)] ?? 'unknown';
  }
  const mean = f.slice(48, 51);
  let best = classes[0]!;
  let bestDist = Infinity;
  for (const c of classes) {
    const p = prototypeColour(c);
    const noise = (hashUnit(imageKey + c, 'noise') - 0.5) * 0.35;
    const d = Math.hypot(mean[0]! - p[0], mean[1]! - p[1], mean[2]! - p[2]) + noise;
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

/** Finds the class list in prompt text: the longest "…: a; b; c" (or comma) list after a colon. */
export function classesFromPrompt(texts: string[]): string[] {
  let best: string[] = [];
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      const idx = line.indexOf(':');
      if (idx < 0) continue;
      const tail = line.slice(idx + 1);
      const sep = tail.includes(';') ? ';' : ',';
      const items = tail
        .split(sep)
        .map((s) => s.trim().replace(/^["'`*-]+|["'`*.]+$/g, '').trim())
        .filter((s) => s.length > 0 && s.length <= 60 && s.split(/\s+/).length <= 6);
      if (items.length >= 2 && items.length > best.length) best = items;
    }
  }
  return best;
}

/** Parses a training answer: JSON {"label"} possibly inside a ```json fence. */
export function parseLabelAnswer(content: string): { label: string; fenced: boolean; description?: string } | undefined {
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(content);
  const raw = (fence ? fence[1]! : content).trim();
  try {
    const obj = JSON.parse(raw) as Record<string, unknown>;
    if (obj && typeof obj.label === 'string') {
      return { label: obj.label, fenced: Boolean(fence), description: typeof obj.image_description === 'string' ? obj.image_description : undefined };
    }
  } catch {
    // not JSON: fall through
  }
  return undefined;
}

/** Writes an answer the way the training answers (or the prompt) asked for. */
export function formatAnswer(label: string, fenced: boolean, description?: string): string {
  if (!fenced) return JSON.stringify({ label });
  const body = JSON.stringify({ image_description: description ?? `An aerial image that looks like ${label}.`, label }, null, 2);
  return '```json\n' + body + '\n```';
}
