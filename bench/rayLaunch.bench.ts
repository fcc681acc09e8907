// The overhead our Ray launch adds before the first training step, against a real local Ray head: building the
// working_dir package (trainer + the run's JSONL), uploading it and submitting the job — first launch (upload) and
// relaunch (package found on the cluster) — and, for scale, the time from launch to the trainer's first step
// event in the job log (Ray's runtime env setup, Python imports, model load: not ours). Needs the trainer
// environment (bash scripts/setup-python.sh); skips with a note when it is missing (--no-python skips it too).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RayTrainingBackend } from '../src/core/jobs/backends/ray/rayBackend';
import { RayJobsClient } from '../src/core/jobs/backends/ray/rayJobsClient';
import { makeTinyModel, makeToyRun, projectPython, TRAINER_ROOT, waitFor } from '../test/trainer-ts/fixtures';
import { startRayHead, type RayHead } from '../test/trainer-ts/rayHead';

async function main(): Promise<void> {
  if (process.argv.includes('--no-python')) return console.log('skipped (--no-python)');
  let python: string;
  try {
    python = await projectPython();
  } catch {
    return console.log('skipped: the trainer environment is not set up (bash scripts/setup-python.sh)');
  }
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-bench-ray-'));
  let head: RayHead | undefined;
  try {
    const [runDir, model, h] = await Promise.all([makeToyRun(join(dir, 'run'), { train: 200, validation: 20, test: 1 }), makeTinyModel(join(dir, 'model')), startRayHead(python, { numCpus: 4 })]);
    head = h;
    const runBytes = (await stat(join(runDir, 'train.jsonl'))).size + (await stat(join(runDir, 'validation.jsonl'))).size;
    let t0 = 0;
    const marks: Record<string, number> = {};
    const client = new RayJobsClient({ address: head.address });
    const backend = new RayTrainingBackend({ client, trainerRoot: TRAINER_ROOT, storagePath: head.storagePath, onStage: (s) => (marks[s] = performance.now() - t0) });
    const hp = { max_steps: 2, learning_rate: 1e-3, lora_rank: 4, workers: 1, gpus_per_worker: 0 };
    for (const label of ['first launch (upload)', 'relaunch (package reused)']) {
      for (const k of Object.keys(marks)) delete marks[k];
      t0 = performance.now();
      const v = await backend.launch({ runDir, baseModel: model, hyperparameters: hp });
      const submitted = performance.now() - t0;
      const first = await waitFor(() => backend.get(v.id), (j) => j.metrics.length > 0 || j.status === 'FAILED', 180_000, 'the first step');
      const firstStep = performance.now() - t0;
      if (first.status === 'FAILED') throw new Error(`the benchmark job failed: ${first.message}`);
      const pkg = (marks.upload ?? marks.submit)!;
      console.log(
        `${label}: ${(runBytes / 2 ** 20).toFixed(1)} MB of JSONL · package ${pkg.toFixed(0)} ms` +
          `${marks.upload !== undefined ? ` · upload ${(marks.submit! - marks.upload).toFixed(0)} ms` : ''} · submit ${(submitted - marks.submit!).toFixed(0)} ms` +
          ` · our overhead ${submitted.toFixed(0)} ms · first training step after ${(firstStep / 1000).toFixed(1)} s`,
      );
      await waitFor(() => backend.get(v.id), (j) => ['SUCCESS', 'FAILED', 'CANCELLED'].includes(j.status), 180_000, 'the job to end');
    }
  } finally {
    await head?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
