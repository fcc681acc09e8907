// Words for the options of a training-data run, so that runs can be told apart in the tree ("80/0/20 ·
// 128×128 · JPEG 90 · compact" rather than "2026-11-29_041206_s42"), and for the image-size step of the
// guided flow, which quotes the dataset's own tile size ("256×256 → 128×128") instead of a fixed example.
import { basename } from 'node:path';
import { tileSize } from '../images/encodeTile';
import { prepareOptionsSchema, type PrepareOptions } from './prepareOptions';

const pct = (x: number) => String(Math.round(x * 100));

/** "80/0/20" for fractions, "5 val · 20 test per class" for fixed counts. */
export function describeSplit(split: PrepareOptions['split']): string {
  if (split.counts) return `${split.counts.validation} val · ${split.counts.test} test per class`;
  return `${pct(split.train)}/${pct(split.validation)}/${pct(split.test)}`;
}

/** "reference", "compact", or a template file's name without its folder. */
export function describeTemplate(template: string): string {
  return template === 'reference' || template === 'compact' ? template : basename(template);
}

/** "128×128 px" from the usual source size when known; otherwise the factor or edge as chosen ("×0.5", "≤ 512 px"). */
export function describeTileSize(image: Pick<PrepareOptions['image'], 'scale' | 'maxEdge'>, usual?: { width: number; height: number }): string {
  if (usual) {
    const out = tileSize(usual.width, usual.height, image);
    return `${out.width}×${out.height} px`;
  }
  if (image.maxEdge !== undefined) return `≤ ${image.maxEdge} px`;
  return image.scale === 1 ? 'original size' : `×${image.scale}`;
}

/** "256×256 → 128×128" (or "256×256, unchanged"), for the image-size step's choices. */
export function describeResize(usual: { width: number; height: number }, image: Pick<PrepareOptions['image'], 'scale' | 'maxEdge'>): string {
  const out = tileSize(usual.width, usual.height, image);
  const from = `${usual.width}×${usual.height}`;
  return out.width === usual.width && out.height === usual.height ? `${from}, unchanged` : `${from} → ${out.width}×${out.height}`;
}

export interface RunDescription {
  /** What the run is: split, tile size, format and template. */
  label: string;
  /** When it was made, e.g. "29 Nov 04:12" (from the manifest, else the folder's time). */
  when?: string;
}

/**
 * The tree's label of a run from its manifest's options. Options that no longer parse (a run from an older
 * version, or edited by hand) give undefined: the caller shows the folder name instead.
 */
export function describeRun(manifest: { options?: unknown; createdAt?: string; tileSize?: { width: number; height: number } }, fallbackTimeMs?: number): RunDescription | undefined {
  const parsed = prepareOptionsSchema.safeParse(manifest.options ?? {});
  if (!parsed.success || manifest.options === undefined) return undefined;
  const o = parsed.data;
  const format = o.image.format === 'png' ? 'PNG' : `JPEG ${o.image.quality}`;
  const size = manifest.tileSize ? `${manifest.tileSize.width}×${manifest.tileSize.height}` : describeTileSize(o.image);
  // Short enough for a side bar: the default template is not named, another one is.
  const template = o.template === 'reference' ? [] : [describeTemplate(o.template)];
  const label = [describeSplit(o.split), size, format, ...template, ...(o.dropDuplicates ? ['no duplicates'] : [])].join(' · ');
  const time = manifest.createdAt ? Date.parse(manifest.createdAt) : fallbackTimeMs;
  return { label, when: time !== undefined && Number.isFinite(time) ? formatRunTime(new Date(time)) : undefined };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "29 Nov 04:12" in local time: short, and runs of one session differ in it. */
export function formatRunTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
