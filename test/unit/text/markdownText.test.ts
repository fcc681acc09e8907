// Data placed in our Markdown reports renders as text in VS Code's preview (markdown-it, the same
// renderer, with linkify and HTML on as the preview has them): no image, link, HTML or code span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { escapeMarkdownInline } from '../../../src/core/text/markdownText';
import { renderReport } from '../../../src/core/training/reportMarkdown';
import type { Manifest } from '../../../src/core/training/manifest';
import { estimateCost } from '../../../src/core/training/estimateTokens';

type MarkdownIt = { render(src: string): string };
const md: MarkdownIt = new (createRequire(import.meta.url)('markdown-it'))({ html: true, linkify: true });

const HOSTILE = [
  '/data/aid\n\n![pixel](https://attacker.example/p.png)\n\n',
  '/data/x`\n\n<img src=https://attacker.example/q.png>`',
  '[Open](command:workbench.action.terminal.sendSequence?x)',
  '<script>alert(1)</script> & &amp; *b* _i_ ~~s~~ | cell',
  'a\r\rb\u2028![c](https://attacker.example/r.png)',
  'see www.attacker.com, https://attacker.com/x or mail a@attacker.com',
];

function assertInert(html: string, where: string): void {
  assert.doesNotMatch(html, /<img|<script|<a |<code/i, `${where}: ${html}`);
}

test('each hostile value renders as its own text on one line', () => {
  for (const h of HOSTILE) {
    const html = md.render(`Dataset: ${escapeMarkdownInline(h)} · end`);
    assertInert(html, JSON.stringify(h));
    assert.equal(html.trim().split('\n').length, 1, `one paragraph: ${html}`);
    // The visible text is the value with line breaks as spaces.
    const text = html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    assert.ok(text.includes(h.replace(/[\r\n\u2028]+/g, ' ').trim().slice(0, 10)), text);
  }
});

test('report.md: a dataset path with blank lines and an image cannot load anything in the preview', () => {
  const manifest = {
    tool: { name: 'pixtune', version: '0.1.0' },
    datasetRoot: HOSTILE[0],
    classes: ['forest', '<img src=https://attacker.example/c.png>'],
    options: {},
    prompt: { name: '![p](https://attacker.example/t.png)', system: '', user: '', assistant: '{label}' },
    files: [{ name: 'train.jsonl', kind: 'finetune', split: 'train', bytes: 1000, lines: 8 }],
    images: [],
    skipped: [{ path: HOSTILE[1], class: 'forest', reason: HOSTILE[2] }],
    duplicates: [],
    warnings: [HOSTILE[3]],
  } as unknown as Manifest;
  const report = renderReport(manifest, [{ class: manifest.classes[1]!, total: 1, train: 1, validation: 0, test: 0 }], {
    train: { ...estimateCost(1000, 2, 2), examples: 8 },
    validationTokens: 0,
    testTokens: 0,
    tokensPerExample: 125,
    trainBytes: 1,
    validationBytes: 0,
    testBytes: 0,
  });
  assertInert(md.render(report), 'report.md');
  assert.doesNotMatch(md.render(report), /href="command:/);
});
