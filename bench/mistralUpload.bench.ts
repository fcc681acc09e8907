// Upload of a large JSONL to the sandbox: our streamed multipart upload vs the SDK's files.upload
// with a disk-backed Blob (fs.openAsBlob). Each runs in its own process so peak RSS is its own.
// Prints MB/s and peak RSS; asserts nothing.
import { spawn } from 'node:child_process';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MB = 1024 * 1024;
const SIZE_MB = Number(process.env.UPLOAD_BENCH_MB ?? 200);

async function makeFile(path: string): Promise<void> {
  const line = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(1000) }, { role: 'assistant', content: '{"label":"a"}' }] }) + '\n';
  const out = createWriteStream(path);
  const block = line.repeat(Math.floor(MB / line.length));
  for (let written = 0; written < SIZE_MB * MB; written += block.length) {
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function child(mode: string, path: string, url: string): Promise<void> {
  const started = Date.now();
  if (mode === 'ours') {
    const { createMistralConnection } = await import('../src/core/mistral/connection');
    const conn = createMistralConnection({ apiKey: 'sandbox', serverUrl: url });
    await conn.files.upload(path, 'fine-tune');
  } else {
    const { Mistral } = await import('@mistralai/mistralai');
    const sdk = new Mistral({ apiKey: 'sandbox', serverURL: url });
    await sdk.files.upload({ file: new File([await openAsBlob(path)], `sdk-${path.split('/').pop()}`), purpose: 'fine-tune' });
  }
  const seconds = (Date.now() - started) / 1000;
  const bytes = (await stat(path)).size;
  // The sandbox runs in the parent process: these figures are the client's alone.
  console.log(JSON.stringify({ mode, mb: +(bytes / MB).toFixed(0), seconds: +seconds.toFixed(2), mbPerSecond: +(bytes / MB / seconds).toFixed(1), peakRssMb: +(process.resourceUsage().maxRSS / 1024).toFixed(0) }));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-upload-bench-'));
  const { startSandbox } = await import('../src/core/sandbox/server');
  const sandbox = await startSandbox({ port: 0, apiKey: 'sandbox' });
  try {
    const path = join(dir, 'big.jsonl');
    await makeFile(path);
    console.log(`upload of a ${SIZE_MB} MB JSONL to the sandbox (same machine):`);
    for (const mode of ['ours', 'sdk']) {
      const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, ['--import', 'tsx', import.meta.filename ?? __filename, '--child', mode, path, sandbox.url]);
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d) => (stdout += d));
        c.stderr.on('data', (d) => (stderr += d));
        c.on('close', () => resolve({ stdout, stderr }));
      });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      try {
        const f = JSON.parse(line);
        console.log(`  ${mode === 'ours' ? 'streamed multipart (ours)' : 'SDK files.upload(openAsBlob)'}: ${f.mbPerSecond} MB/s, ${f.seconds} s, peak RSS ${f.peakRssMb} MB`);
      } catch {
        console.log(`  ${mode}: failed: ${r.stderr.split('\n').slice(0, 3).join(' ')}`);
      }
    }
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
