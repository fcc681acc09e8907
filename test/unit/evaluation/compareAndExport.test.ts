import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareEvaluations } from '../../../src/core/evaluation/compare';
import { escapeMarkdown, reportHtml, reportMarkdown } from '../../../src/core/evaluation/exportReport';
import { suspectedLabelErrors } from '../../../src/core/evaluation/labelErrors';
import { computeReport } from '../../../src/core/evaluation/metrics';
import { rec } from './runFixture';

const classes = ['a', 'b', 'c'];
const base = [rec(1, 'a', 'b'), rec(2, 'a', 'a'), rec(3, 'b', null), rec(4, 'c', 'a'), rec(5, 'c', 'c'), rec(6, 'b', 'b', { error: 'x', raw: '' })];
const tuned = [rec(1, 'a', 'a'), rec(2, 'a', 'c'), rec(3, 'b', 'b'), rec(4, 'c', 'a'), rec(5, 'c', 'c'), rec(6, 'b', 'b')];

test('compareEvaluations: deltas are b − a, fixed and broken by custom_id (images both answered)', () => {
  const c = compareEvaluations(base, tuned, classes);
  assert.ok(Math.abs(c.deltas.accuracy - (c.b.accuracy - c.a.accuracy)) < 1e-12);
  assert.equal(c.a.accuracy, 2 / 5);
  assert.equal(c.b.accuracy, 4 / 6);
  assert.equal(c.deltas.invalidRate, 0 - 1 / 5);
  assert.deepEqual(c.fixed, ['1', '3']);
  assert.deepEqual(c.broken, ['2']);
  assert.ok(Math.abs(c.deltas.perClass.b!.recall - (c.b.perClass.b!.recall - c.a.perClass.b!.recall)) < 1e-12);
});

test('suspected label errors: both valid, agreeing with each other, against the folder', () => {
  const other = [rec(1, 'a', 'b'), rec(2, 'a', 'b'), rec(3, 'b', null), rec(4, 'c', 'a'), rec(5, 'c', 'c')];
  const s = suspectedLabelErrors(base, other);
  assert.deepEqual(s, [
    { custom_id: '1', path: 'a/1.jpg', truth: 'a', agreed: 'b' },
    { custom_id: '4', path: 'c/4.jpg', truth: 'c', agreed: 'a' },
  ]);
  assert.deepEqual(suspectedLabelErrors(base, base.map((r) => ({ ...r, error: 'down', raw: '' }))), [], 'failed requests never count');
});

const NASTY = ['[x](command:workbench.action.terminal.new)', '<img src=x onerror=alert(1)>', '`code` and ``more``', 'two\n\nparagraphs', '| pipe |', '&lt;already&gt;'];

test('Markdown export: every label and file name stays text', () => {
  const recs = NASTY.map((n, i) => ({ ...rec(i, n, NASTY[(i + 1) % NASTY.length]!), path: `${n}/file ${n}.jpg` }));
  const report = computeReport(recs, NASTY);
  const md = reportMarkdown({ title: NASTY[0]!, model: NASTY[1]!, report, classes: NASTY, records: recs });
  assert.ok(!md.includes('](command:'), 'no link can form');
  assert.ok(!/(?<!\\)<img/.test(md), 'no raw HTML: every < escaped');
  assert.ok(!/[^\\]`/.test(md), 'every backtick escaped');
  assert.ok(!md.includes('&lt;already'), 'an entity in a name stays literal text (& escaped)');
  for (const line of md.split('\n').filter((l) => l.startsWith('| '))) {
    const cells = line.split(/(?<!\\)\|/).length;
    assert.ok(cells >= 3, line);
  }
  assert.equal(escapeMarkdown('a\n\nb'), 'a b');
});

test('HTML export: self-contained, escaped, thumbnails only as data URLs; CSP forbids scripts', async () => {
  const recs = NASTY.map((n, i) => ({ ...rec(i, n, i % 2 ? null : NASTY[(i + 1) % NASTY.length]!, { raw: n }), path: `${n}.jpg` }));
  const report = computeReport(recs, NASTY);
  const thumbs = async (r: { custom_id: string }) => (r.custom_id === '0' ? 'data:image/jpeg;base64,AAAA' : r.custom_id === '2' ? 'javascript:alert(1)' : undefined);
  const html = await reportHtml({ title: 't', model: NASTY[1]!, report, classes: NASTY, records: recs, compare: { model: NASTY[0]!, comparison: compareEvaluations(recs, recs, NASTY) } }, thumbs);
  assert.ok(!html.includes('<img src=x'), 'no tag from user data');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(html.includes('src="data:image/jpeg;base64,AAAA"'));
  assert.ok(!html.includes('javascript:'), 'a thumbnail that is not an image data URL is dropped');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; img-src data:/);
  assert.ok(!/<script/i.test(html));
  assert.ok(!/src="http/.test(html) && !/href=/.test(html), 'nothing loads from outside');
});

test('HTML export: tokens, cost and latency are in the summary', async () => {
  const recs = ['a', 'b'].map((c, i) => rec(i, c, c, { usage: { prompt_tokens: 1000, completion_tokens: 20 }, latencyMs: 100 * (i + 1) }));
  const report = computeReport(recs, ['a', 'b'], { pricePerMillionTokens: { prompt: 2, completion: 6 } });
  const html = await reportHtml({ title: 't', model: 'm', report, classes: ['a', 'b'], records: recs }, async () => undefined);
  assert.match(html, /tokens 2000 prompt \/ 40 completion · cost \$0\.0042 · latency p50 \/ p90 \/ p99 \d+ \/ \d+ \/ \d+ ms/);
});
