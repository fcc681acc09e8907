// Reading the trainer's JSON-line events out of a job log, as Ray returns it: Ray's own lines around them,
// worker-prefixed (and coloured) lines under Ray Train, a line still being written, evaluations merged into their step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTrainerEvents } from '../../../src/core/jobs/backends/trainerEvents';
import { parseMetricsJsonl, toFineTuningJob } from '../../../src/core/jobs/backends/trainingBackend';
import { checkpointSeries } from '../../../src/core/jobs/checkpointSeries';

const LOG = [
  '2026-12-01 15:40:34,258\tINFO job_manager.py:581 -- Runtime env is setting up.',
  'Running entrypoint for job pixtune-run-1: exec python -m pixtune_trainer train --config c.json',
  '[pixtune-trainer] 8 training / 2 validation examples',
  '(RayTrainWorker pid=4242, ip=10.0.0.2) {"event": "started", "total_steps": 3, "workers": 2}',
  '\x1b[36m(RayTrainWorker pid=4242, ip=10.0.0.2)\x1b[0m {"event": "step", "step": 1, "epoch": 0.25, "train_loss": 2.5, "learning_rate": 0.001}',
  '{"event": "step", "step": 2, "train_loss": 2.0}',
  '{"event": "evaluated", "step": 2, "valid_loss": 2.2, "valid_mean_token_accuracy": 0.5}',
  '{"event": "checkpoint", "step": 2, "path": "/out/checkpoints/step-2"}',
  '{"event": "step", "step": 3, "train_loss": "not a number"}',
  '{"event": "step", "step": 3, "train_lo',
].join('\n');

test('events: metrics by step (evaluations merged, worker prefixes removed), checkpoints, a torn last line ignored', () => {
  const e = readTrainerEvents(LOG);
  assert.equal(e.totalSteps, 3);
  assert.deepEqual(e.metrics, [
    { step: 1, epoch: 0.25, train_loss: 2.5, learning_rate: 0.001 },
    { step: 2, train_loss: 2.0, valid_loss: 2.2, valid_mean_token_accuracy: 0.5 },
  ]);
  assert.equal(e.lastStep, 2);
  assert.deepEqual(e.checkpoints, ['/out/checkpoints/step-2']);
  assert.equal(e.finished, false);
  const done = readTrainerEvents(`${LOG}\n{"event": "finished", "state": "succeeded", "adapter_dir": "/out/adapter"}`);
  assert.equal(done.finished, true);
  assert.equal(done.adapterDir, '/out/adapter');
  assert.equal(readTrainerEvents('{"event": "error", "message": "CUDA out of memory"}').error, 'CUDA out of memory');
});

test('metrics.jsonl: valid lines only; the view feeds the existing chart series', () => {
  const metrics = parseMetricsJsonl('{"step": 1, "train_loss": 3}\n{"step": 2, "train_loss": 2, "valid_loss": 2.5}\n{"step": 3, "tr');
  assert.deepEqual(metrics.map((m) => m.step), [1, 2]);
  const job = toFineTuningJob({ id: 'local-x', backend: 'local', location: 'this machine', status: 'RUNNING', baseModel: 'm', createdAt: 1_000_000, updatedAt: 1_005_000, hyperparameters: { max_steps: 10 }, metrics, resumable: false });
  assert.deepEqual(checkpointSeries(job.checkpoints), { steps: [1, 2], trainLoss: [3, 2], validLoss: [null, 2.5], validAccuracy: [null, null] });
  assert.equal(job.hyperparameters.training_steps, 10);
});
