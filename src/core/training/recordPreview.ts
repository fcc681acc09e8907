// A readable view of one line of a training or batch JSONL file: who says what, the image, and the answer
// with its label read out — instead of a screen of base64. The file is indexed once (byte offset of every
// line, one streaming pass) so that any record is one small read, however large the file.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parseAnswer } from '../evaluation/parseAnswer';

/** Only raster images the webview may show from a data: URL (never SVG, which is a document). */
const IMAGE_DATA_URL = /^data:image\/(jpeg|png|webp|gif);base64,[A-Za-z0-9+/]+=*$/;
/** A message text longer than this is cut in the preview (the raw text is one click away). */
const MAX_TEXT = 20_000;

export interface PreviewMessage {
  role: string;
  text: string;
  /** Data URLs of the images in the message, checked to be base64 raster images. */
  images: string[];
  /** Image parts that could not be shown (a remote URL, SVG, not base64), with why. */
  unshown: string[];
}

export interface RecordPreview {
  /** 1-based line number. */
  line: number;
  totalLines: number;
  kind: 'fine-tuning example' | 'batch request' | 'unknown';
  customId?: string;
  messages: PreviewMessage[];
  /** The assistant's answer, read as the evaluation reads a model's answer. */
  answer?: { label?: string; description?: string; inClassList: boolean };
  /** One sentence when the line is not a record that can be shown. */
  problem?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}… (${(s.length - MAX_TEXT).toLocaleString('en-US')} more characters)` : s);

function previewMessage(m: unknown): PreviewMessage {
  if (!isObject(m)) return { role: '?', text: '', images: [], unshown: ['not a message object'] };
  const role = typeof m.role === 'string' ? m.role : '?';
  if (typeof m.content === 'string') return { role, text: clip(m.content), images: [], unshown: [] };
  const texts: string[] = [];
  const images: string[] = [];
  const unshown: string[] = [];
  for (const part of Array.isArray(m.content) ? m.content : []) {
    if (!isObject(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else if (part.type === 'image_url') {
      const url = typeof part.image_url === 'string' ? part.image_url : isObject(part.image_url) && typeof part.image_url.url === 'string' ? part.image_url.url : '';
      if (IMAGE_DATA_URL.test(url)) images.push(url);
      else unshown.push(url.startsWith('data:') ? 'an image that is not a base64 JPEG, PNG, WebP or GIF' : `an image by URL (${url.slice(0, 80)}), not embedded`);
    }
  }
  return { role, text: clip(texts.join('\n')), images, unshown };
}

/** The preview of one line's text. `classes` (from the run's manifest) tell whether the answer's label is one of them. */
export function previewRecordLine(text: string, line: number, totalLines: number, classes: readonly string[] = []): RecordPreview {
  const base = { line, totalLines, messages: [] as PreviewMessage[] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ...base, kind: 'unknown', problem: text.trim() ? `Line ${line} is not valid JSON.` : `Line ${line} is empty.` };
  }
  const batch = isObject(value) && isObject(value.body) ? value.body : undefined;
  const messages = isObject(value) ? (batch ? batch.messages : value.messages) : undefined;
  if (!Array.isArray(messages)) return { ...base, kind: 'unknown', problem: `Line ${line} has no "messages" list: it is not a fine-tuning example or a batch request.` };
  const preview: RecordPreview = {
    ...base,
    kind: batch ? 'batch request' : 'fine-tuning example',
    ...(batch && isObject(value) && typeof value.custom_id === 'string' ? { customId: value.custom_id } : {}),
    messages: messages.map(previewMessage),
  };
  const assistant = [...preview.messages].reverse().find((m) => m.role === 'assistant');
  if (assistant) {
    const parsed = parseAnswer(assistant.text, [...classes]);
    preview.answer = { label: parsed.predicted ?? parsed.label, description: parsed.description, inClassList: parsed.valid };
  }
  return preview;
}

/** Byte offsets where each line starts, plus the file's length at the end (line i is [offsets[i], offsets[i+1])). */
export async function indexLines(path: string, signal?: AbortSignal): Promise<number[]> {
  const offsets = [0];
  let pos = 0;
  for await (const chunk of createReadStream(path, { signal })) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) offsets.push(pos + i + 1);
    pos += buf.length;
  }
  if (offsets.at(-1) !== pos) offsets.push(pos); // last line without a newline
  return offsets;
}

/** Number of lines in an index from indexLines. */
export const lineCount = (offsets: readonly number[]) => offsets.length - 1;

/** The text of line `line` (1-based) using an index from indexLines; undefined past the end. */
export async function readLine(path: string, offsets: readonly number[], line: number): Promise<string | undefined> {
  if (line < 1 || line > lineCount(offsets)) return undefined;
  const start = offsets[line - 1]!;
  const end = offsets[line]!;
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    await handle.read(buf, 0, buf.length, start);
    return buf.toString('utf8').replace(/\r?\n$/, '');
  } finally {
    await handle.close();
  }
}
