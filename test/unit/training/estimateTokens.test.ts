import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCost, estimateTokens, exampleTokens, imageTokens, requestTokens, textTokens } from '../../../src/core/training/estimateTokens';
import { COMPACT_TEMPLATE, REFERENCE_TEMPLATE, renderPrompt } from '../../../src/core/training/promptTemplates';

const AID = [
  'airport', 'bareland', 'baseballfield', 'beach', 'bridge', 'center', 'church', 'commercial', 'denseresidential', 'desert',
  'farmland', 'forest', 'industrial', 'meadow', 'mediumresidential', 'mountain', 'park', 'parking', 'playground', 'pond',
  'port', 'railwaystation', 'resort', 'river', 'school', 'sparseresidential', 'square', 'stadium', 'storagetanks', 'viaduct',
];

test('Pixtral image tokens: 16 px patches plus one break per row', () => {
  assert.equal(imageTokens(300, 300), 380);
  assert.equal(imageTokens(16, 16), 2);
  assert.equal(imageTokens(1024, 1024), 64 * 65);
  // Larger images are downscaled to 1024 on the long edge first.
  assert.equal(imageTokens(2048, 1024), imageTokens(1024, 512));
  assert.equal(imageTokens(600, 300), 19 * 39);
});

test('reference run: 8,000 examples at 300×300 with the 30 AID classes land within 10% of the billed 4,468,728 tokens', () => {
  // Stratified like the reference: 30 classes, roughly equal counts.
  const examples = Array.from({ length: 8000 }, (_, i) => ({ class: AID[i % AID.length]!, width: 300, height: 300 }));
  const { tokens, examples: n } = estimateTokens({ prompt: (label) => renderPrompt(REFERENCE_TEMPLATE, AID, label), examples });
  assert.equal(n, 8000);
  const billed = 4_468_728;
  const error = Math.abs(tokens - billed) / billed;
  assert.ok(error < 0.1, `estimate ${tokens} vs billed ${billed} (${(error * 100).toFixed(1)}% off)`);
  const perExample = tokens / 8000;
  assert.ok(perExample > 503 && perExample < 615, `≈559 per example, got ${perExample}`);
});

test('the compact template is cheaper than the reference one', () => {
  const img = { width: 300, height: 300 };
  const ref = exampleTokens(renderPrompt(REFERENCE_TEMPLATE, AID, 'beach'), img);
  const compact = exampleTokens(renderPrompt(COMPACT_TEMPLATE, AID, 'beach'), img);
  assert.ok(compact < ref - 20, `${compact} < ${ref}`);
});

test('text tokens grow with text and count symbols', () => {
  assert.equal(textTokens(''), 0);
  assert.equal(textTokens('The quick brown fox jumps over the lazy dog.'), 10);
  assert.ok(textTokens('{"label": "beach"}') >= 7);
  assert.ok(textTokens('a'.repeat(600)) >= 100);
});

test('cost: the reference run (8,937,456 train tokens over 2 epochs) at 2 USD per million', () => {
  const c = estimateCost(4_468_728, 2, 2);
  assert.equal(c.trainTokens, 8_937_456);
  assert.ok(Math.abs(c.cost - 17.88) < 0.02, String(c.cost));
  assert.equal(estimateCost(1_000_000, 3, 4).cost, 12);
});

test('estimateTokens is exactly the sum of exampleTokens, answer included (not just within the ±10 % band)', () => {
  // Mixed classes, sizes and a long answer: any token the split estimate drops (the answer, the overhead,
  // an image) makes the sums differ.
  const prompt = (label: string) => ({ ...renderPrompt(REFERENCE_TEMPLATE, AID, label), assistant: `{"label": "${label}", "why": "${'because '.repeat(label.length)}"}` });
  const examples = Array.from({ length: 97 }, (_, i) => ({ class: AID[(i * 7) % AID.length]!, width: 64 + ((i * 37) % 900), height: 48 + ((i * 53) % 700) }));
  const summed = examples.reduce((n, ex) => n + exampleTokens(prompt(ex.class), ex), 0);
  const { tokens, examples: count } = estimateTokens({ prompt, examples });
  assert.equal(count, 97);
  assert.equal(tokens, summed);
  // And an example is its request plus the answer (and the answer's end token).
  const p = prompt('beach');
  assert.equal(exampleTokens(p, { width: 300, height: 300 }) - requestTokens(p, { width: 300, height: 300 }), textTokens(p.assistant) + 1);
});
