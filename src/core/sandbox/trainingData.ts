// Reading an uploaded fine-tuning file the way the service validates it: one JSON object per line,
// known roles, the last message the assistant's, images that decode. The same pass counts tokens
// (for the job's cost metadata) and extracts the image statistics the sandbox model learns from.
import { createReadStream } from 'node:fs';
import { cappedLines } from '../text/cappedLines';
import { MAX_LINE_BYTES } from '../training/validateJsonl';
import { loadSharp } from '../images/loadSharp';
import { imageFeatures, parseLabelAnswer, type Features } from './visionModel';

export interface TrainingExample {
  label: string;
  features: Features;
}

export interface TrainingScan {
  examples: TrainingExample[];
  lines: number;
  dataTokens: number;
  /** True when the training answers were ```json fenced (the fine-tuned model answers alike). */
  fenced: boolean;
  /** One description per label from the training answers, reused in the fine-tuned model's answers. */
  descriptions: Record<string, string>;
  errors: string[];
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const DATA_URL = /^data:image\/(jpeg|jpg|png|webp|gif);base64,/i;

/** Pixtral: 16×16 patches, one break token per row, images above 1024 px on the long edge scaled down. */
export function imageTokens(width: number, height: number): number {
  const r = Math.max(width, height) / 1024;
  const w = r > 1 ? Math.round(width / r) : width;
  const h = r > 1 ? Math.round(height / r) : height;
  return Math.ceil(h / 16) * (Math.ceil(w / 16) + 1);
}

export function textTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function imageUrlOf(chunk: unknown): string | undefined {
  const c = chunk as { type?: string; image_url?: unknown };
  if (c?.type !== 'image_url') return undefined;
  if (typeof c.image_url === 'string') return c.image_url;
  const url = (c.image_url as { url?: unknown })?.url;
  return typeof url === 'string' ? url : '';
}

/** Decodes a data URL image; throws a readable message when it is not one we can read. */
export async function decodeDataUrl(url: string): Promise<{ bytes: Buffer; width: number; height: number }> {
  if (!DATA_URL.test(url)) {
    throw new Error(url.startsWith('http') ? 'the sandbox cannot download image URLs; embed images as base64 data URLs' : 'the image is not a base64 data URL of a JPEG, PNG, WebP or GIF');
  }
  const bytes = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  const sharp = await loadSharp();
  try {
    const meta = await sharp(bytes, { failOn: 'error' }).metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions');
    return { bytes, width: meta.width, height: meta.height };
  } catch (err) {
    throw new Error(`the image could not be decoded (${(err as Error).message.split('\n')[0]})`);
  }
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (typeof (c as { text?: unknown })?.text === 'string' ? (c as { text: string }).text : '')).join('\n');
  return '';
}

async function checkLine(line: string, n: number, scan: TrainingScan, withFeatures: boolean): Promise<string | undefined> {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return `Line ${n} is not valid JSON.`;
  }
  // The cookbook's bare-array lines were accepted by the service; so are they here.
  const messages = Array.isArray(record) ? record : (record as { messages?: unknown })?.messages;
  if (!Array.isArray(messages) || messages.length === 0) return `Line ${n} has no "messages" list.`;
  let tokens = 0;
  const images: string[] = [];
  for (const [i, m] of messages.entries()) {
    const role = (m as { role?: unknown })?.role;
    if (typeof role !== 'string' || !ROLES.has(role)) return `Line ${n}, message ${i + 1}: unknown role ${JSON.stringify(role)}.`;
    const content = (m as { content?: unknown }).content;
    if (typeof content !== 'string' && !Array.isArray(content)) return `Line ${n}, message ${i + 1}: the content must be a string or a list of chunks.`;
    if (Array.isArray(content)) {
      for (const chunk of content) {
        const url = imageUrlOf(chunk);
        if (url !== undefined) images.push(url);
        else if ((chunk as { type?: unknown })?.type !== 'text') return `Line ${n}, message ${i + 1}: unknown content chunk type ${JSON.stringify((chunk as { type?: unknown })?.type)}.`;
      }
    }
    tokens += textTokens(contentText(content)) + 4;
  }
  const last = messages[messages.length - 1] as { role: string; content: unknown };
  if (last.role !== 'assistant') return `Line ${n}: the last message must be the assistant's answer, but it is "${last.role}".`;
  const answer = contentText(last.content).trim();
  if (!answer) return `Line ${n}: the assistant's answer is empty.`;
  let features: Features | undefined;
  for (const [k, url] of images.entries()) {
    try {
      const img = await decodeDataUrl(url);
      tokens += imageTokens(img.width, img.height);
      if (withFeatures && k === 0) features = await imageFeatures(img.bytes);
    } catch (err) {
      return `Line ${n}, image ${k + 1}: ${(err as Error).message}.`;
    }
  }
  scan.dataTokens += tokens;
  const parsed = parseLabelAnswer(answer);
  const label = parsed?.label ?? answer;
  if (parsed?.fenced) scan.fenced = true;
  if (parsed?.description && !scan.descriptions[label]) scan.descriptions[label] = parsed.description;
  if (features) scan.examples.push({ label, features });
  return undefined;
}

export async function scanTrainingFile(path: string, opts: { withFeatures?: boolean; maxErrors?: number; signal?: AbortSignal } = {}): Promise<TrainingScan> {
  // A missing image library is the sandbox's failure, not the data's: let it fail the job as such.
  await loadSharp();
  const scan: TrainingScan = { examples: [], lines: 0, dataTokens: 0, fenced: false, descriptions: {}, errors: [] };
  const maxErrors = opts.maxErrors ?? 5;
  let n = 0;
  // Capped lines: an uploaded file without newlines is an error on its line, not a RangeError in the host.
  for await (const capped of cappedLines(createReadStream(path, { signal: opts.signal }), MAX_LINE_BYTES)) {
    n++;
    const line = 'tooLong' in capped ? undefined : capped.text;
    if (line !== undefined && !line.trim()) continue;
    scan.lines++;
    const error = line === undefined ? `Line ${n} is longer than ${MAX_LINE_BYTES / 1048576} MB.` : await checkLine(line, n, scan, opts.withFeatures ?? true);
    if (error) {
      scan.errors.push(error);
      if (scan.errors.length >= maxErrors) break;
    }
  }
  if (scan.lines === 0 && scan.errors.length === 0) scan.errors.push('The training file is empty.');
  return scan;
}
