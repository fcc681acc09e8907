// `pixtune sandbox`: the local Mistral-compatible server. Prints `listening http://127.0.0.1:PORT`
// as its first stdout line (scripts and tests wait for it), `key <KEY>` as its second (a random key
// per start, so a page or process that learnt an old key cannot drive a new sandbox), and serves
// until Ctrl+C / SIGTERM.
import { UsageError } from '../core/errors';
import { parseFaultSpec } from '../core/sandbox/faults';
import { startSandbox, type FineTuningMode } from '../core/sandbox/server';
import { parseCliArgs, type Subcommand } from './common';

const HELP = `Usage: pixtune sandbox [options]

Runs a local Mistral-compatible server (files, batch, chat, models, fine-tuning jobs) for free,
offline rehearsal of the whole workflow. Its models are small and deterministic; it is not Mistral.

Options:
  --port N                 port to listen on (default 0: any free port)
  --host H                 interface (default 127.0.0.1); requests must name it (or a loopback name)
                           in their Host header, so a web page cannot reach it by DNS rebinding
  --api-key KEY            the only key accepted (default: a new random key each start, printed
                           on the second line as "key <KEY>")
  --fine-tuning MODE       available (default) | retired (job routes answer 410 Gone, as Mistral
                           does since August 2026) | rejecting (create answers 422, as from March 2026)
  --speed N                run jobs N times faster (default 1: a few seconds per job)
  --faults SPEC            inject faults, e.g. 429:/v1/models:2,500:/v1/files:1,delay:/v1/chat/*:3:2000,drop:/v1/models:1
                           (<429|5xx|delay|drop>:<path with * wildcards>:<count or *>[:<retry-after s | delay ms>])`;

export const sandboxCommand: Subcommand = async (argv, io) => {
  const { values } = parseCliArgs(argv, {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'api-key': { type: 'string' },
    'fine-tuning': { type: 'string', default: 'available' },
    speed: { type: 'string', default: '1' },
    faults: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port}".`);
  const speed = Number(values.speed);
  if (!(speed > 0)) throw new UsageError(`--speed must be a positive number, not "${values.speed}".`);
  const mode = values['fine-tuning'];
  if (mode !== 'available' && mode !== 'retired' && mode !== 'rejecting') throw new UsageError(`--fine-tuning must be available, retired or rejecting, not "${mode}".`);
  const faults = values.faults ? parseFaultSpec(values.faults) : [];

  const sandbox = await startSandbox({ port, host: values.host, apiKey: values['api-key'], fineTuning: mode as FineTuningMode, speed, faults });
  io.out(`listening ${sandbox.url}`);
  io.out(`key ${sandbox.apiKey}`);
  io.out(`Pixtune sandbox (not Mistral): use --server-url ${sandbox.url} with MISTRAL_API_KEY set to the key above.`);
  io.out(`Fine-tuning: ${mode}; speed ×${speed}${faults.length ? `; ${faults.length} fault rule(s)` : ''}. Stop with Ctrl+C.`);

  await new Promise<void>((resolve) => {
    if (io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
    process.once('SIGTERM', () => resolve());
  });
  await sandbox.close();
  return 0;
};
