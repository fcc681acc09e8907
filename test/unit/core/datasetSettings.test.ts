import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDatasetSettings } from '../../../src/core/settings/datasetSettings';

test('dataset settings: defaults, clamps and fallbacks for hand-edited values', () => {
  assert.deepEqual(readDatasetSettings(() => undefined), { includeNestedFolders: true, imagesPerPage: 100, healthCheckConcurrency: 2 });
  const odd: Record<string, unknown> = { includeNestedFolders: 'no', imagesPerPage: 1e9, 'healthCheck.concurrency': -3 };
  assert.deepEqual(readDatasetSettings((k) => odd[k]), { includeNestedFolders: true, imagesPerPage: 5000, healthCheckConcurrency: 1 });
  const ok: Record<string, unknown> = { includeNestedFolders: false, imagesPerPage: 250, 'healthCheck.concurrency': 4 };
  assert.deepEqual(readDatasetSettings((k) => ok[k]), { includeNestedFolders: false, imagesPerPage: 250, healthCheckConcurrency: 4 });
});
