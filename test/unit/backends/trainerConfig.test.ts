// The trainer config the local and Ray backends write: sharding reaches it only when asked, and the hyperparameter
// schema refuses what the trainer would refuse (fsdp with one worker, fsdp with 4-bit) before a job starts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shownHyperparameters, trainerConfig, withCapacityChoice } from '../../../src/core/jobs/backends/trainerConfig';
import { trainingHyperparametersSchema } from '../../../src/core/jobs/backends/trainingBackend';

const files = { training: ['/r/train.jsonl'], validation: [], baseModel: 'm', outputDir: '/o' };

test('sharding fsdp is written into the trainer config and shown; none is left out (a DDP run, as before)', () => {
  const sharded = trainerConfig({ ...files, hyperparameters: trainingHyperparametersSchema.parse({ workers: 4, gpus_per_worker: 1, sharding: 'fsdp' }) });
  assert.equal(sharded.sharding, 'fsdp');
  assert.equal(sharded.workers, 4);
  assert.equal(shownHyperparameters(sharded).sharding, 'fsdp');
  const plain = trainerConfig({ ...files, hyperparameters: trainingHyperparametersSchema.parse({ workers: 2, sharding: 'none' }) });
  assert.equal('sharding' in plain, false);
});

test('the hyperparameters refuse fsdp with one worker or with 4-bit loading, in one sentence', () => {
  const one = trainingHyperparametersSchema.safeParse({ sharding: 'fsdp' });
  assert.equal(one.success, false);
  assert.match(one.error!.issues[0]!.message, /needs at least 2 workers/);
  const fourBit = trainingHyperparametersSchema.safeParse({ workers: 2, sharding: 'fsdp', load_in_4bit: true });
  assert.equal(fourBit.success, false);
  assert.match(fourBit.error!.issues[0]!.message, /4-bit loading do not go together/);
  assert.equal(trainingHyperparametersSchema.safeParse({ workers: 2, sharding: 'zero3' }).success, false);
});

test('the capacity dialog\'s choice: sharding takes one worker per GPU the check counted, 4-bit loads in 4-bit', () => {
  const h = trainingHyperparametersSchema.parse({ epochs: 2, gpus_per_worker: 2 });
  const sharded = withCapacityChoice(h, 'shard', { workers: 4 });
  assert.deepEqual([sharded.workers, sharded.gpus_per_worker, sharded.sharding], [4, 1, 'fsdp']);
  assert.equal(trainingHyperparametersSchema.safeParse(sharded).success, true);
  assert.equal(trainerConfig({ ...files, hyperparameters: sharded }).sharding, 'fsdp');
  assert.equal(withCapacityChoice(h, '4bit').load_in_4bit, true);
  assert.deepEqual(withCapacityChoice(h, 'as-asked'), h);
  assert.deepEqual(withCapacityChoice(h, 'shard'), h, 'nothing offered, nothing changed');
});
