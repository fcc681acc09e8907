import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classMatcher, normalizeLabel, parseAnswer } from '../../../src/core/evaluation/parseAnswer';

const CLASSES = ['Airport', 'DenseResidential', 'MediumResidential', 'Playground', 'Stadium', 'River', 'Bridge'];

test('normalizeLabel ignores case, spaces and separators only', () => {
  for (const s of ['dense residential', 'Dense_Residential', 'dense-residential', ' DENSE   RESIDENTIAL ', 'dense.residential', 'Dense/Residential']) {
    assert.equal(normalizeLabel(s), 'denseresidential', s);
  }
  assert.equal(normalizeLabel('Ｄｅｎｓｅ'), 'dense', 'full-width letters fold (NFKC)');
  assert.notEqual(normalizeLabel('residentials'), normalizeLabel('residential'));
});

const cases: [string, string, string | null, boolean, string?][] = [
  // [name, answer, predicted, parsed, description]
  ['fenced json (reference prompt)', '```json\n{"image_description": "Runways and a terminal.", "label": "Airport"}\n```', 'Airport', true, 'Runways and a terminal.'],
  ['fence without language', '```\n{"label": "River"}\n```', 'River', true],
  ['fence with prose before and after', 'Here is my answer:\n```json\n{"label": "bridge"}\n```\nHope this helps!', 'Bridge', true],
  ['bare json', '{"label": "Stadium"}', 'Stadium', true],
  ['bare json, loose spelling', '{"label": "dense residential"}', 'DenseResidential', true],
  ['json within prose', 'Looking at the image, I think {"image_description": "Houses", "label": "Medium Residential"} is right.', 'MediumResidential', true, 'Houses'],
  ['json with braces in a string', 'Answer: {"image_description": "a {weird} field", "label": "playground"}', 'Playground', true, 'a {weird} field'],
  ['unterminated fence', '```json\n{"label": "river"}', 'River', true],
  ['other key name', '{"class": "airport"}', 'Airport', true],
  ['key case', '{"Label": "River"}', 'River', true],
  ['plain label', 'Stadium', 'Stadium', true],
  ['plain label with period and quotes', '"playground".', 'Playground', true],
  ['plain label with prefix', 'Label: dense_residential', 'DenseResidential', true],
  ['markdown bold label', '**River**', 'River', true],
  ['invented label in json', '{"label": "cloud cover"}', null, true],
  ['plural is not silently mapped', '{"label": "Stadiums"}', null, true],
  ['invented plain label', 'parking lot', null, true],
  ['json without a label', '{"image_description": "a field"}', null, false, 'a field'],
  ['empty answer', '', null, false],
  ['long prose', 'The image shows a large open area with several buildings, and it might be an airport or maybe a stadium depending on how you look at it.', null, false],
  ['multi-line prose', 'I cannot tell.\nIt is blurry.', null, false],
  ['label is not a string', '{"label": 3}', null, false],
  ['array json', '["River"]', null, false],
];

for (const [name, answer, predicted, parsed, description] of cases) {
  test(`parseAnswer: ${name}`, () => {
    const r = parseAnswer(answer, CLASSES);
    assert.equal(r.predicted, predicted);
    assert.equal(r.valid, predicted !== null);
    assert.equal(r.parsed, parsed);
    if (description !== undefined) assert.equal(r.description, description);
  });
}

test('the label as written is kept for invalid answers', () => {
  assert.equal(parseAnswer('{"label": "cloud cover"}', CLASSES).label, 'cloud cover');
});

test('classes that normalise alike are never guessed between', () => {
  const match = classMatcher(['dense_residential', 'DenseResidential']);
  assert.equal(match('dense_residential'), 'dense_residential', 'the exact spelling still matches');
  assert.equal(match('dense residential'), null, 'ambiguous: invalid rather than a guess');
});
