import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { gifFrameCount } from '../../../src/core/training/imagePayload';
import { batchRecordSchema, fineTuningRecordSchema } from '../../../src/core/training/schemas';
import { validateJsonlFile } from '../../../src/core/training/validateJsonl';
import { tempDir, texturedJpeg } from './trainingFixtures';

// Hand-written payloads: a real 1×1 PNG and a real 1×1 GIF; a real JPEG and WebP made by sharp.
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const GIF1 = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
let JPEG_BYTES: Buffer;
let JPEG: string;
let WEBP: string;
test.before(async () => {
  JPEG_BYTES = await texturedJpeg(32, 24, 7);
  JPEG = `data:image/jpeg;base64,${JPEG_BYTES.toString('base64')}`;
  WEBP = `data:image/webp;base64,${(await sharp(JPEG_BYTES).webp().toBuffer()).toString('base64')}`;
});
/** A data URL of `type` whose bytes are `magic` followed by zeros: right magic bytes, no real header. */
const magicOnly = (type: string, magic: number[] | string) => `data:${type};base64,${Buffer.concat([Buffer.from(magic as never), Buffer.alloc(64)]).toString('base64')}`;

/** The same GIF with its frame (graphic control extension + image) repeated: an animation of two frames. */
function animatedGif(): string {
  const b = Buffer.from(GIF1, 'base64');
  const frameStart = 13 + 6; // header + screen descriptor + 2-colour global table
  const frame = b.subarray(frameStart, b.length - 1);
  return Buffer.concat([b.subarray(0, b.length - 1), frame, Buffer.from([0x3b])]).toString('base64');
}

const sys = { role: 'system', content: 'Classify: a; b.' };
const user = (url: string) => ({ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: url }] });
const asst = { role: 'assistant', content: '{"label": "a"}' };
const ft = (...messages: unknown[]) => JSON.stringify({ messages });

async function check(lines: string[], kind: 'finetune' | 'batch' | 'auto' = 'finetune') {
  const dir = await tempDir();
  const file = join(dir, 'data.jsonl');
  await writeFile(file, lines.join('\n') + '\n');
  return validateJsonlFile(file, { kind });
}

test('schemas accept the documented shapes', () => {
  assert.ok(fineTuningRecordSchema.safeParse({ messages: [sys, user(PNG), asst] }).success);
  assert.ok(fineTuningRecordSchema.safeParse({ messages: [user(PNG), { role: 'assistant', content: 'x', weight: 0 }] }).success);
  assert.ok(fineTuningRecordSchema.safeParse({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }, asst] }).success);
  assert.ok(batchRecordSchema.safeParse({ custom_id: '0', body: { messages: [sys, user(PNG)], max_tokens: 64 } }).success);
  assert.ok(!fineTuningRecordSchema.safeParse({ messages: [user(PNG), { role: 'assistant', content: 'x', weight: 0.5 }] }).success);
  assert.ok(!fineTuningRecordSchema.safeParse({ messages: [{ role: 'robot', content: 'x' }, asst] }).success);
  assert.ok(!batchRecordSchema.safeParse({ body: { messages: [user(PNG)] } }).success);
});

test('valid fine-tuning lines pass, including https URLs, PNG, JPEG and single-frame GIF payloads', async () => {
  const r = await check([
    ft(sys, user(PNG), asst),
    ft(user(JPEG), asst),
    ft(sys, user('https://example.com/cat.jpg'), asst),
    ft(sys, user(`data:image/gif;base64,${GIF1}`), asst),
    ft(sys, { role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }, asst),
    ft(sys, user(WEBP), asst),
    ft(sys, user(JPEG.replace('image/jpeg', 'image/jpg')), asst),
  ]);
  assert.deepEqual(r.errors, []);
  assert.equal(r.ok, true);
  assert.equal(r.lines, 7);
  assert.equal(r.kind, 'finetune');
});

test('each invalid line is reported with its line number and a clear message', async () => {
  const r = await check([
    ft(sys, user(PNG), asst), // 1 ok
    '{"messages": [', // 2 bad JSON
    ft(sys, user(PNG)), // 3 no assistant at the end
    ft(asst, user(PNG), asst), // 4 starts with assistant
    ft(sys, user('data:image/png;base64,!!!notbase64!!'), asst), // 5 bad base64
    ft(sys, user('data:image/png;base64,' + Buffer.from('hello world!').toString('base64')), asst), // 6 not an image
    ft(sys, user(JPEG.replace('image/jpeg', 'image/png')), asst), // 7 declared type mismatch
    ft(sys, user(`data:image/gif;base64,${animatedGif()}`), asst), // 8 animated GIF
    ft(sys, user('http://example.com/a.jpg'), asst), // 9 plain http
    ft(sys, { role: 'user', content: [{ type: 'image_url' }] }, asst), // 10 chunk without url
    ft(sys, user(PNG), { role: 'assistant', content: '' }), // 11 empty answer
    '', // 12 empty line
    JSON.stringify({ prompt: 'x', completion: 'y' }), // 13 wrong format
  ]);
  assert.equal(r.ok, false);
  assert.equal(r.lines, 13);
  const byLine = new Map<number, string[]>();
  for (const e of r.errors) byLine.set(e.line, [...(byLine.get(e.line) ?? []), e.message]);
  const has = (line: number, re: RegExp) => assert.ok(byLine.get(line)?.some((m) => re.test(m)), `line ${line}: ${byLine.get(line)?.join(' | ')}`);
  assert.equal(byLine.has(1), false);
  has(2, /not valid JSON/);
  has(3, /last message must be from the assistant \(found user\)/);
  has(4, /messages\[0\] \(assistant\): the first message must be from the system or the user/);
  has(5, /messages\[1\] \(user\) chunk 1: image_url has a base64 payload that does not decode/);
  has(6, /declares image\/png but the bytes are not a JPEG, PNG, WebP or GIF image/);
  has(7, /declares image\/png but the bytes are image\/jpeg/);
  has(8, /animated GIF \(2 frames\)/);
  has(9, /uses http:\/\//);
  has(10, /messages\[1\]\.content/);
  has(11, /messages\[2\] \(assistant\): content is empty/);
  has(12, /empty line/);
  has(13, /messages/);
  assert.equal(r.errorCount, r.errors.length);
});

test('batch lines: custom_id and a last user message are required', async () => {
  const ok = await check([JSON.stringify({ custom_id: '0', body: { messages: [sys, user(PNG)] } })], 'batch');
  assert.deepEqual(ok.errors, []);
  const bad = await check(
    [JSON.stringify({ body: { messages: [sys, user(PNG)] } }), JSON.stringify({ custom_id: '1', body: { messages: [sys, user(PNG), asst] } })],
    'batch',
  );
  assert.deepEqual(bad.errors.map((e) => e.line), [1, 2]);
  assert.match(bad.errors[0]!.message, /custom_id/);
  assert.match(bad.errors[1]!.message, /last message of a batch request must be from the user/);
});

test('auto detects the kind from the first record', async () => {
  assert.equal((await check([JSON.stringify({ custom_id: '0', body: { messages: [user(PNG)] } })], 'auto')).kind, 'batch');
  assert.equal((await check([ft(user(PNG), asst)], 'auto')).kind, 'finetune');
});

test('errors are capped but all are counted', async () => {
  const lines = Array.from({ length: 120 }, () => 'nope');
  const r = await check(lines);
  assert.equal(r.errors.length, 50);
  assert.equal(r.errorCount, 120);
  assert.equal(r.errors[49]!.line, 50);
});

test('file-level problems: empty file, size over the limit', async () => {
  const dir = await tempDir();
  const empty = join(dir, 'empty.jsonl');
  await writeFile(empty, '');
  const r = await validateJsonlFile(empty);
  assert.equal(r.ok, false);
  assert.deepEqual(r.errors, [{ line: 0, message: 'the file is empty' }]);
  const small = join(dir, 'small.jsonl');
  await writeFile(small, ft(sys, user(PNG), asst) + '\n');
  const big = await validateJsonlFile(small, { maxFileBytes: 100 });
  assert.equal(big.ok, false);
  assert.match(big.errors[0]!.message, /^the file is \d+ bytes, over the 100 bytes upload limit/);
});

test('GIF frame counting', () => {
  assert.equal(gifFrameCount(Buffer.from(GIF1, 'base64')), 1);
  assert.equal(gifFrameCount(Buffer.from(animatedGif(), 'base64')), 2);
  assert.equal(gifFrameCount(Buffer.from('GIF89a')), -1);
});

test('images with the right magic bytes but no readable header are errors on their line', async () => {
  const r = await check([
    ft(sys, user(magicOnly('image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), asst), // 1 PNG signature + zeros
    ft(sys, user(magicOnly('image/jpeg', [0xff, 0xd8, 0xff])), asst), // 2 JPEG SOI + zeros
    ft(sys, user(magicOnly('image/webp', 'RIFF\0\0\0\0WEBP')), asst), // 3 RIFF/WEBP + zeros
    ft(sys, user(`data:image/jpeg;base64,${JPEG_BYTES.subarray(0, 40).toString('base64')}`), asst), // 4 JPEG cut before its frame header
    ft(sys, user(PNG), asst), // 5 fine
  ]);
  assert.deepEqual(r.errors.map((e) => e.line), [1, 2, 3, 4]);
  assert.match(r.errors[0]!.message, /^messages\[1\] \(user\) chunk 1: image_url is image\/png data whose header cannot be read \(.+\)$/);
  assert.match(r.errors[1]!.message, /image\/jpeg data whose header cannot be read/);
  assert.match(r.errors[2]!.message, /image\/webp data whose header cannot be read/);
  assert.match(r.errors[3]!.message, /image\/jpeg data whose header cannot be read/);
  for (const e of r.errors) assert.doesNotMatch(e.message, /\n/, 'one line per problem');
});

test('an 8,000-line file is checked quickly (header reads, not full decodes)', async () => {
  // A flat 2048×2048 WebP: under 10 kB to store, but 12 MB of pixels in a full decode.
  const flat = await sharp({ create: { width: 2048, height: 2048, channels: 3, background: '#5a7' } }).webp({ quality: 50 }).toBuffer();
  const big = `data:image/webp;base64,${flat.toString('base64')}`;
  const line = ft(sys, user(big), asst);
  const dir = await tempDir();
  const file = join(dir, 'big.jsonl');
  await writeFile(file, Array.from({ length: 8000 }, () => line).join('\n') + '\n');
  const started = Date.now();
  const r = await validateJsonlFile(file);
  const ms = Date.now() - started;
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.lines, 8000);
  // A full decode of that WebP costs ~30 ms (4 minutes for the file); reading its header, under 1 ms.
  assert.ok(ms < 30_000, `took ${ms} ms`);
});

test('batch: a repeated custom_id is an error on each repeat, naming the first line', async () => {
  const req = (id: string) => JSON.stringify({ custom_id: id, body: { messages: [sys, user(PNG)] } });
  const r = await check([req('3'), req('7'), req('7'), req('8'), req('7'), req('3')], 'batch');
  assert.deepEqual(r.errors, [
    { line: 3, message: 'custom_id "7" repeats line 2' },
    { line: 5, message: 'custom_id "7" repeats line 2' },
    { line: 6, message: 'custom_id "3" repeats line 1' },
  ]);
  // Fine-tuning records have no custom_id: nothing to compare.
  assert.equal((await check([ft(sys, user(PNG), asst), ft(sys, user(PNG), asst)])).ok, true);
});

test('a UTF-8 byte-order mark at the start of the file is accepted', async () => {
  const dir = await tempDir();
  const file = join(dir, 'bom.jsonl');
  await writeFile(file, '\uFEFF' + [ft(sys, user(PNG), asst), ft(user(PNG), asst)].join('\n') + '\n');
  const r = await validateJsonlFile(file);
  assert.deepEqual(r.errors, []);
  assert.equal(r.kind, 'finetune', 'the kind is still detected from line 1');
  // Only a leading mark is a byte-order mark; one inside the file is a real stray character.
  await writeFile(file, [ft(sys, user(PNG), asst), '\uFEFF' + ft(user(PNG), asst)].join('\n') + '\n');
  assert.deepEqual((await validateJsonlFile(file)).errors.map((e) => e.line), [2]);
});

test('role order is checked on every message, not only the first', async () => {
  const text = (role: string, t = 'x') => ({ role, content: t });
  const r = await check([
    ft(sys, user(JPEG), asst, text('user'), asst), // fine: a second turn
    ft(sys, user(JPEG), asst, text('system'), text('user'), asst), // a system message after the assistant
    ft(sys, text('user'), text('user'), user(JPEG), asst), // consecutive user messages are allowed
    ft(sys, user(JPEG), asst, asst, text('user'), asst), // two assistant messages in a row are allowed
    ft(text('user'), text('assistant'), text('system'), text('user'), asst), // again, later in the line
  ]);
  const byLine = (n: number) => r.errors.filter((e) => e.line === n).map((e) => e.message);
  assert.deepEqual(byLine(1), []);
  assert.deepEqual(byLine(2), ['messages[3] (system): a system message cannot follow an assistant message']);
  assert.deepEqual(byLine(3), []);
  assert.deepEqual(byLine(4), []);
  assert.deepEqual(byLine(5), ['messages[2] (system): a system message cannot follow an assistant message']);
  assert.equal(r.errorCount, 2);
});

test('blank text: an empty string or a lone blank chunk is an error; a blank chunk beside an image is not', async () => {
  const r = await check([
    ft(sys, { role: 'user', content: '   ' }, asst),
    ft(sys, { role: 'user', content: [{ type: 'text', text: ' \n ' }] }, asst),
    ft(sys, { role: 'user', content: [{ type: 'text', text: '' }, { type: 'image_url', image_url: JPEG }] }, asst),
    ft(sys, user(JPEG), { role: 'assistant', content: '' }),
  ]);
  const byLine = (n: number) => r.errors.filter((e) => e.line === n).map((e) => e.message);
  assert.deepEqual(byLine(1), ['messages[1] (user): content is empty']);
  assert.deepEqual(byLine(2), ['messages[1] (user): content is empty']);
  assert.deepEqual(byLine(3), []);
  assert.deepEqual(byLine(4), ['messages[2] (assistant): content is empty']);
});

test('the per-image size limit: 10 MB of image data passes, a byte more is an error on its line', async () => {
  const { MAX_IMAGE_BYTES } = await import('../../../src/core/training/imagePayload');
  // A real JPEG padded after its end marker: the header reads, the size is what counts.
  const padded = (total: number) => `data:image/jpeg;base64,${Buffer.concat([JPEG_BYTES, Buffer.alloc(total - JPEG_BYTES.length)]).toString('base64')}`;
  const r = await check([ft(sys, user(padded(MAX_IMAGE_BYTES)), asst), ft(sys, user(padded(MAX_IMAGE_BYTES + 1)), asst)]);
  assert.deepEqual(r.errors.map((e) => [e.line, e.message]), [[2, 'messages[1] (user) chunk 1: image_url is 10.0 MB, over the 10 MB per-image limit']]);
  assert.equal(MAX_IMAGE_BYTES, 10 * 1024 * 1024);
});
