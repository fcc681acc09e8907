// A process that starts a sandbox, prints its temp folder, then exits without close() ("exit") or
// waits to be killed ("hang"): how the sandbox's temp folder outlives (or not) its process.
import { startSandbox } from '../../../src/core/sandbox/server';

void startSandbox({ port: 0 }).then((s) => {
  process.stdout.write(`${s.tempDir}\n`);
  if (process.argv[2] === 'exit') process.exit(3);
  setInterval(() => undefined, 1000);
});
