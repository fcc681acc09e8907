import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDatasetSettings, readEstimateSettings } from '../../../src/core/settings/datasetSettings';

test('dataset settings: defaults, clamps and fallbacks for hand-edited values', () => {
  assert.deepEqual(readDatasetSettings(() => undefined), { includeNestedFolders: true, imagesPerPage: 100, healthCheckConcurrency: 2 });
  const odd: Record<string, unknown> = { includeNestedFolders: 'no', imagesPerPage: 1e9, 'healthCheck.concurrency': -3 };
  assert.deepEqual(readDatasetSettings((k) => odd[k]), { includeNestedFolders: true, imagesPerPage: 5000, healthCheckConcurrency: 1 });
  const ok: Record<string, unknown> = { includeNestedFolders: false, imagesPerPage: 250, 'healthCheck.concurrency': 4 };
  assert.deepEqual(readDatasetSettings((k) => ok[k]), { includeNestedFolders: false, imagesPerPage: 250, healthCheckConcurrency: 4 });
});

test('estimate settings: price and epochs from settings, bad values fall back to the defaults', () => {
  assert.deepEqual(readEstimateSettings((k) => ({ 'training.pricePerMillionTokens': 4.5, 'training.epochs': 3 })[k]), { pricePerMillion: 4.5, epochs: 3 });
  assert.deepEqual(readEstimateSettings(() => undefined), { pricePerMillion: 2, epochs: 2 });
  assert.deepEqual(readEstimateSettings((k) => ({ 'training.pricePerMillionTokens': -1, 'training.epochs': '5' })[k]), { pricePerMillion: 2, epochs: 2 });
});
