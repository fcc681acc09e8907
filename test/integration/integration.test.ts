// Runs the extension-host suite (./suite) two ways:
// 1. with @vscode/test-electron in a VS Code desktop build where one can be obtained: VSCODE_EXECUTABLE, a `code`
//    on PATH, or a download from Microsoft (cached outside the repo). Where none can — as on the offline CI
//    machines, which only reach npm and apt — that test is reported as skipped, with the reason;
// 2. in code-server's extension host (the same VS Code 1.100 the e2e tests use), which the web client starts as an
//    Extension Development Host with `?payload=[["extensionDevelopmentPath",…],["extensionTestsPath",…]]`. Like
//    the e2e tests, this one fails with a clear message when scripts/setup-e2e.sh has not been run.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { RESULT_MARKER, type SuiteResult } from './suite/resultMarker';

const REPO_ROOT = resolve(__dirname, '..', '..');
const VSCODE_VERSION = process.env.PIXTUNE_VSCODE_VERSION ?? '1.100.3';
const CACHE = join(process.env.PIXTUNE_CACHE ?? join(homedir(), '.cache', 'pixtune'), 'vscode-test');
/** The whole download attempt is capped: a closed network must not stall the test run. */
const DOWNLOAD_CAP_MS = 20_000;

type Obtained = { executable: string; source: string } | { executable?: undefined; reason: string };

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** `code` on PATH is a launcher script; @vscode/test-electron wants the Electron binary next to it. */
function electronBesideLauncher(launcher: string): string {
  const real = realpathSync(launcher);
  const candidate = join(dirname(dirname(real)), 'code');
  return /\/bin\/code$/.test(real) && existsSync(candidate) ? candidate : real;
}

/** Tries downloadAndUnzipVSCode in a child process, killed after DOWNLOAD_CAP_MS, so no socket outlives the test. */
function tryDownload(): Promise<Obtained> {
  const script = `
    const { downloadAndUnzipVSCode, SilentReporter } = require('@vscode/test-electron');
    downloadAndUnzipVSCode({ version: ${JSON.stringify(VSCODE_VERSION)}, cachePath: ${JSON.stringify(CACHE)},
      timeout: 10000, reporter: new SilentReporter() })
      .then((p) => console.log(JSON.stringify({ executable: p })),
            (e) => console.log(JSON.stringify({ error: String(e && e.message || e) })));`;
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), DOWNLOAD_CAP_MS);
    child.on('close', () => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(last) as { executable?: string; error?: string };
        if (r.executable) resolvePromise({ executable: r.executable, source: `downloaded VS Code ${VSCODE_VERSION}` });
        else resolvePromise({ reason: `downloading VS Code ${VSCODE_VERSION} failed: ${r.error}` });
      } catch {
        resolvePromise({ reason: `downloading VS Code ${VSCODE_VERSION} gave no answer within ${DOWNLOAD_CAP_MS / 1000} s` });
      }
    });
  });
}

async function obtainVSCode(): Promise<Obtained> {
  const fromEnv = process.env.VSCODE_EXECUTABLE;
  if (fromEnv) {
    return existsSync(fromEnv) ? { executable: fromEnv, source: 'VSCODE_EXECUTABLE' }
      : { reason: `VSCODE_EXECUTABLE points to ${fromEnv}, which does not exist` };
  }
  const code = onPath('code');
  if (code) return { executable: electronBesideLauncher(code), source: `code on PATH (${code})` };
  return tryDownload();
}

/** VS Code desktop needs an X display; use DISPLAY, or start Xvfb when it is installed. */
function ensureDisplay(): { display?: string; stop(): void; reason?: string } {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY, stop() {} };
  if (!onPath('Xvfb')) return { stop() {}, reason: 'there is no DISPLAY and Xvfb is not installed (apt-get install xvfb)' };
  const display = `:${90 + (process.pid % 100)}`;
  const xvfb = spawn('Xvfb', [display, '-screen', '0', '1280x1024x24'], { stdio: 'ignore' });
  return { display, stop: () => xvfb.kill() };
}

/** Bundles the suite to one CommonJS file: extension hosts load JavaScript only, and `vscode` is theirs to provide. */
async function bundleSuite(outDir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = join(outDir, 'suite', 'index.js');
  await esbuild.build({
    entryPoints: [join(__dirname, 'suite', 'index.ts')], outfile, bundle: true,
    platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning',
  });
  return outfile;
}

/** The extension is loaded from the repository (extensionDevelopmentPath), so dist/extension.js must exist. */
function ensureBuilt(): void {
  if (existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) return;
  const r = spawnSync(process.execPath, ['esbuild.js'], { cwd: REPO_ROOT, stdio: 'inherit' });
  assert.equal(r.status, 0, 'node esbuild.js failed');
}

async function prepareFixture(work: string): Promise<{ workspace: string; expected: string }> {
  const { prepareDatasetWorkspace } = await import('../e2e/datasetWorkspace');
  const workspace = join(work, 'workspace');
  const fixture = await prepareDatasetWorkspace(workspace);
  return { workspace, expected: JSON.stringify({ datasetRoot: fixture.datasetRoot, classes: fixture.classCounts }) };
}

test('VS Code integration suite (@vscode/test-electron)', { timeout: 10 * 60_000 }, async (t) => {
  const started = Date.now();
  const vscode = await obtainVSCode();
  if ('reason' in vscode) {
    t.diagnostic(`looked for VS Code in ${Date.now() - started} ms`);
    t.skip(`skipped: no VS Code desktop build can be obtained here — ${vscode.reason}. ` +
      'Set VSCODE_EXECUTABLE or run where update.code.visualstudio.com is reachable; the same suite runs in code-server below.');
    return;
  }
  const display = ensureDisplay();
  if (display.reason) {
    t.skip(`skipped: found VS Code (${vscode.source}) but ${display.reason}`);
    return;
  }
  const work = await mkdtemp(join(tmpdir(), 'pixtune-it-'));
  try {
    ensureBuilt();
    const suite = await bundleSuite(work);
    const { workspace, expected } = await prepareFixture(work);
    const { runTests } = await import('@vscode/test-electron');
    const exitCode = await runTests({
      vscodeExecutablePath: vscode.executable,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: suite,
      extensionTestsEnv: { PIXTUNE_IT_EXPECTED: expected, ...(display.display ? { DISPLAY: display.display } : {}) },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome',
        '--skip-release-notes', '--disable-gpu', '--user-data-dir', join(work, 'user-data')],
    });
    assert.equal(exitCode, 0, `the integration suite failed in ${vscode.source}`);
  } finally {
    display.stop();
    await rm(work, { recursive: true, force: true });
  }
});

test('VS Code integration suite in code-server\'s extension host', { timeout: 5 * 60_000 }, async () => {
  const { startVSCode } = await import('../e2e/harness');
  const work = await mkdtemp(join(tmpdir(), 'pixtune-it-cs-'));
  try {
    ensureBuilt();
    const suite = await bundleSuite(work);
    const { workspace, expected } = await prepareFixture(work);
    // The server's environment is the extension host's: that is how the suite gets its expectations.
    const vs = await startVSCode({ workspace, installExtension: false, env: { PIXTUNE_IT_EXPECTED: expected } });
    try {
      const lines: string[] = [];
      let resolveResult: (r: SuiteResult) => void = () => undefined;
      const result = new Promise<SuiteResult>((r) => (resolveResult = r));
      // The remote extension host's console is forwarded to the browser's console.
      vs.page.on('console', (msg) => {
        const text = msg.text();
        if (/[✔✖]|integration suite/.test(text)) lines.push(text.replace(/^%c\s*\w+\s+color: #\w+\s*/, ''));
        const at = text.indexOf(RESULT_MARKER);
        if (at >= 0) resolveResult(JSON.parse(text.slice(at + RESULT_MARKER.length)) as SuiteResult);
      });
      const authority = new URL(vs.url).host;
      const payload = JSON.stringify([
        ['extensionDevelopmentPath', `vscode-remote://${authority}${REPO_ROOT}`],
        ['extensionTestsPath', `vscode-remote://${authority}${suite}`],
      ]);
      await vs.page.goto(`${vs.url}?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(
        `the suite reported no result within 120 s; extension host output so far:\n${lines.join('\n')}`)), 120_000).unref());
      const outcome = await Promise.race([result, timeout]);
      assert.deepEqual(outcome.failures, [], lines.join('\n'));
      assert.ok(outcome.total >= 5, `only ${outcome.total} tests ran`);
    } finally {
      await vs.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
