// Runs `pixtune sandbox` from source (the same Subcommand dist/cli.js dispatches to), so the CLI
// test does not depend on a build.
import { sandboxCommand } from '../../../src/cli/sandbox';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
sandboxCommand(process.argv.slice(2), {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
  signal: controller.signal,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(String(err) + '\n');
    process.exitCode = 1;
  },
);
