// Predict against the sandbox with concurrency 8 (the default), the live path end to end: our client
// (SDK call, retry policy, adaptive gate, answer parsing, fsynced appends) against the sandbox's vision
// model. The sandbox runs in its own process, so the client's CPU time per request gives the rate our
// client could sustain if the server answered instantly — the figure that must stay ≥ 200 requests/s —
// and the sandbox's own answer time (its model, measured in-process) is shown beside it.
// Prints figures; asserts nothing. `--images N` sets the test split size (default 400).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateDataset } from '../test/fixtures/generateDataset';
import { scanDataset } from '../src/core/dataset/scanDataset';
import { prepareTrainingData } from '../src/core/training/prepareTrainingData';
import { runPrediction } from '../src/core/evaluation/runPrediction';
import { predictionsPath } from '../src/core/evaluation/predictionsFile';
import { completeChat } from '../src/core/sandbox/chatCompletion';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const IMAGES = arg('images', 400);

async function startSandboxProcess(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'unit', 'sandbox', 'sandboxCliEntry.ts'), '--port', '0', '--api-key', 'sandbox'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  for await (const line of rl) {
    const m = /listening (http:\/\/\S+)/.exec(line);
    if (m) return { url: m[1]!, child };
  }
  throw new Error('the sandbox did not start');
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-bench-predict-'));
  const sandbox = await startSandboxProcess();
  try {
    const perClass = Math.ceil((IMAGES * 2) / 5);
    const ds = await generateDataset(join(dir, 'ds'), { perClass, size: 64, seed: 9 });
    const runDir = join(dir, 'run');
    await prepareTrainingData(await scanDataset(ds.root), { split: { train: 0.5, validation: 0, test: 0.5 }, image: { scale: 1 } }, runDir);
    const model = 'pixtral-12b-latest';
    const opts = { runDir, model, provider: 'mistral' as const, serverUrl: sandbox.url, apiKey: 'sandbox', mode: 'live' as const, concurrency: 8 };

    // Warm-up (loads the SDK here and sharp in the sandbox), then the measured run from scratch.
    await runPrediction({ ...opts, runDir }).then(() => rm(predictionsPath(runDir, model)));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await runPrediction(opts);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuMsPerRequest = (cpu.user + cpu.system) / 1000 / result.done;

    // The sandbox's own answer time: its vision model on the same requests, in this process, one at a time.
    const lines = (await readFile(join(runDir, 'test.batch.jsonl'), 'utf8')).split('\n').filter(Boolean).slice(0, 100);
    const bodies = lines.map((l) => ({ ...(JSON.parse(l) as { body: Record<string, unknown> }).body, model }));
    await completeChat(bodies[0], () => undefined);
    const s0 = performance.now();
    for (const b of bodies) await completeChat(b, () => undefined);
    const sandboxMs = (performance.now() - s0) / bodies.length;

    console.log(`predict live, concurrency 8, ${result.done} images (64×64 JPEG), sandbox in its own process:`);
    console.log(`  end to end:          ${(result.done / wall).toFixed(1)} requests/s (${wall.toFixed(2)} s; latency p50 ${result.report.latencyMs?.p50.toFixed(1)} ms, p90 ${result.report.latencyMs?.p90.toFixed(1)} ms)`);
    console.log(`  client CPU:          ${cpuMsPerRequest.toFixed(2)} ms per request → client ceiling ≈ ${(1000 / cpuMsPerRequest).toFixed(0)} requests/s on one core (target ≥ 200)`);
    console.log(`  sandbox answer time: ${sandboxMs.toFixed(2)} ms per request on one core (its model: decode + features + answer) → ≤ ${(1000 / sandboxMs).toFixed(0)} requests/s`);
    console.log(`  (the machine has 2 cores shared by both processes; the end-to-end rate is bounded by the sandbox)`);
  } finally {
    sandbox.child.kill('SIGINT');
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
