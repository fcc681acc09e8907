import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/core/errors';
import { parseTemplate, renderPrompt } from '../../../src/core/training/promptTemplates';

test('a custom template must place the class list and the label; the class list comes from the dataset', () => {
  const bad = (t: object, why: RegExp) =>
    assert.throws(() => parseTemplate(JSON.stringify(t), 'my.json'), (e: unknown) => e instanceof UserError && why.test(e.message));
  bad({ system: 'no classes here', assistant: '{label}' }, /must contain \{classes\}/);
  bad({ system: 'Pick one of {classes}', assistant: 'no label' }, /must contain \{label\}/);
  assert.throws(() => parseTemplate('{not json', 'my.json'), (e: unknown) => e instanceof UserError && /not valid JSON/.test(e.message));
  // {classes} in the user text is enough.
  const t = parseTemplate(JSON.stringify({ system: 'Classify.', user: 'Classes: {classes}', assistant: 'It is {label}' }));
  const p = renderPrompt(t, ['beach', 'forest'], 'forest');
  assert.match(JSON.stringify(p), /Classes: beach; forest/);
  assert.match(JSON.stringify(p), /It is forest/);
});
