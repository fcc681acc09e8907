// `pixtune.datasets` in a workspace folder's settings: how the sample hands its dataset to the extension.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveConfiguredDatasets, settingEntryFor } from '../../../src/core/dataset/configuredDatasets';

const ws = '/home/u/pixtune-sample';

test('relative entries resolve against the workspace folder, absolute ones stay, repeats are dropped', () => {
  assert.deepEqual(resolveConfiguredDatasets(['aid-sample', './aid-sample/', '/data/aid'], ws), { roots: [join(ws, 'aid-sample'), '/data/aid'], ignored: [] });
  assert.deepEqual(resolveConfiguredDatasets(undefined, ws), { roots: [], ignored: [] });
});

test('a hand-edited setting with the wrong shape is ignored with a reason, the good entries kept', () => {
  assert.deepEqual(resolveConfiguredDatasets('aid-sample', ws).ignored, ['pixtune.datasets must be a list of folder paths; it was ignored.']);
  const r = resolveConfiguredDatasets(['aid-sample', 3, ''], ws);
  assert.deepEqual(r.roots, [join(ws, 'aid-sample')]);
  assert.equal(r.ignored.length, 2);
});

test('the entry written back for a dataset is relative inside the folder, absolute outside it', () => {
  assert.equal(settingEntryFor(join(ws, 'data', 'aid'), ws), 'data/aid');
  assert.equal(settingEntryFor('/elsewhere/aid', ws), '/elsewhere/aid');
});
