// The real-VS-Code test bed: the packaged VSIX installed into code-server 4.100.3 (VS Code 1.100.3), driven by
// Debian Chromium through playwright-core. Tests see and click what a user sees and clicks.
// The UI helpers (palette, trees, menus, webviews) live in ./workbench; this file starts and stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

import { dismissQuickInput, installNotificationRecorder, quickPickSelect, runCommand } from './workbench';

export * from './workbench';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'screenshots');
export const VSIX_PATH = join(REPO_ROOT, 'dist', 'pixtune-linux-x64.vsix');
const CODE_SERVER_VERSION = '4.100.3';
const CHROMIUM = process.env.PIXTUNE_CHROMIUM ?? '/usr/bin/chromium';
// Without the networking flags Chromium keeps trying to reach Google on a closed network.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export type Theme = 'light' | 'dark';
const THEMES: Record<Theme, string> = { light: 'Default Light Modern', dark: 'Default Dark Modern' };
/** How the theme picker labels them. */
const THEME_LABELS: Record<Theme, string> = { light: 'Light Modern', dark: 'Dark Modern' };

/** Settings that keep the workbench quiet and deterministic: no welcome page, walkthroughs, trust prompts or chat. */
export const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.layoutControl.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'window.commandCenter': false,
  'chat.commandCenter.enabled': false,
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'editor.minimap.enabled': false,
  'files.simpleDialog.enable': true,
  'explorer.confirmDragAndDrop': false,
  // Compact folders would render "data / aid" as one row; tests address folders one segment at a time.
  'explorer.compactFolders': false,
};

export interface StartOptions {
  /** Folder opened as the workspace. */
  workspace: string;
  /** Extra user settings (merged over BASE_SETTINGS). */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server (and so for the extension host). */
  env?: Record<string, string>;
  theme?: Theme;
  /** Install the packaged extension (default true). */
  installExtension?: boolean;
  viewport?: { width: number; height: number };
  /**
   * Use this user data folder (global storage, logs, settings) instead of a fresh one, and leave it in place on
   * close: two sessions on one folder are VS Code quit and started again. The caller removes it.
   */
  userDataDir?: string;
}

export interface VSCodeSession {
  page: Page;
  browser: Browser;
  url: string;
  /** Path of code-server's stdout+stderr log. */
  serverLog: string;
  userDataDir: string;
  extensionsDir: string;
  /** Saves test-output/screenshots/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Rewrites the user settings file (read at start-up; later changes are picked up by the file watcher). */
  updateSettings(settings: Record<string, unknown>): Promise<void>;
  /** Switches the colour theme and waits until the workbench shows it. */
  setTheme(theme: Theme): Promise<void>;
  /** The extension host's and remote agent's log files, concatenated (useful in failure messages). */
  extensionHostLog(): Promise<string>;
  close(): Promise<void>;
}

/** The cached code-server executable, or an error telling how to get it (CI runs setup-e2e.sh first). */
export function codeServerExecutable(): string {
  const dir = join(process.env.PIXTUNE_CACHE ?? join(homedir(), '.cache', 'pixtune'), `code-server-${CODE_SERVER_VERSION}`);
  const exe = join(dir, 'node_modules', '.bin', 'code-server');
  if (!existsSync(join(dir, '.pixtune-setup-complete')) || !existsSync(exe)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not set up in ${dir}: run scripts/setup-e2e.sh first ` +
      '(it installs Chromium and code-server; CI runs it before the e2e tests).');
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run scripts/setup-e2e.sh first.`);
  }
  return exe;
}

function runToCompletion(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => code === 0 ? resolvePromise(output)
      : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`)));
  });
}

let packaging: Promise<string> | undefined;
/** Packages the VSIX once per test process, reusing dist/pixtune-linux-x64.vsix when it is fresh. */
export function ensureVsix(): Promise<string> {
  packaging ??= (async () => {
    if (process.env.PIXTUNE_E2E_VSIX) return resolve(process.env.PIXTUNE_E2E_VSIX);
    await runToCompletion(process.execPath, ['scripts/package.mjs', '--reuse-if-fresh']);
    return VSIX_PATH;
  })();
  return packaging;
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePromise(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHttp(url: string, server: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}:\n${log()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs / 1000} s:\n${log()}`);
}

// Process groups of servers still running, killed if the test process exits without closing them.
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of liveGroups) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
  }
});

async function killGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  try { process.kill(-pid, 'SIGTERM'); } catch { /* already gone */ }
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    await exited;
  }
  // Children that ignored SIGTERM (extension host, watchers) go with the group.
  try { process.kill(-pid, 'SIGKILL'); } catch { /* group is empty */ }
  liveGroups.delete(pid);
}

async function listFilesRecursive(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await listFilesRecursive(p));
    else out.push(p);
  }
  return out;
}

export async function startVSCode(options: StartOptions): Promise<VSCodeSession> {
  const exe = codeServerExecutable();
  const workspace = resolve(options.workspace);
  const root = await mkdtemp(join(tmpdir(), 'pixtune-e2e-'));
  const userDataDir = options.userDataDir ? resolve(options.userDataDir) : join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  const serverLog = join(root, 'code-server.log');
  const configFile = join(root, 'config.yaml');
  await mkdir(join(userDataDir, 'User'), { recursive: true });
  await mkdir(extensionsDir, { recursive: true });
  await writeFile(configFile, '');
  const commonArgs = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  if (options.installExtension !== false) {
    const vsix = await ensureVsix();
    await runToCompletion(exe, [...commonArgs, '--install-extension', vsix]);
  }

  let settings = { ...BASE_SETTINGS, 'workbench.colorTheme': THEMES[options.theme ?? 'light'], ...options.settings };
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  const writeSettings = () => writeFile(settingsFile, JSON.stringify(settings, null, 2));
  await writeSettings();

  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const logStream = createWriteStream(serverLog);
  let logTail = '';
  // detached: code-server leads its own process group, so close() can take the extension host and watchers too.
  const server = spawn(exe, [...commonArgs, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    workspace], {
    cwd: workspace,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  if (server.pid !== undefined) liveGroups.add(server.pid);
  const onData = (d: Buffer) => { logStream.write(d); logTail = (logTail + d.toString()).slice(-8000); };
  server.stdout!.on('data', onData);
  server.stderr!.on('data', onData);

  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    await killGroup(server);
    await new Promise<void>((r) => logStream.end(() => r()));
    if (!process.env.PIXTUNE_E2E_KEEP) await rm(root, { recursive: true, force: true });
  };

  try {
    await waitForHttp(`${url}healthz`, server, () => logTail);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    // Every notification shown is recorded in the page (waits read that record, not a toast that may have gone).
    await context.addInitScript(installNotificationRecorder);
    const page = await context.newPage();
    await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 90_000 });
    // The explorer is restored once the workspace folder has been resolved by the remote file system.
    await page.locator('.part.sidebar').waitFor({ state: 'visible', timeout: 30_000 });
    if (options.installExtension !== false) {
      // Pixtune's activity-bar entry appears once the extension's contributions are registered: from then on the
      // palette and menus list its commands.
      await page.locator('.part.activitybar a.action-label[aria-label^="Pixtune"]')
        .waitFor({ state: 'visible', timeout: 60_000 });
    }

    const session: VSCodeSession = {
      page, browser, url, serverLog, userDataDir, extensionsDir,
      async screenshot(name) {
        await mkdir(SCREENSHOT_DIR, { recursive: true });
        const file = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      async updateSettings(extra) {
        settings = { ...settings, ...extra };
        await writeSettings();
      },
      async setTheme(theme) {
        // Through the theme picker, as a user would: the settings file is only read at start-up reliably.
        await runCommand(page, 'Preferences: Color Theme');
        await quickPickSelect(page, new RegExp(`^\\s*${THEME_LABELS[theme]}`));
        const cls = theme === 'dark' ? 'vs-dark' : 'vs';
        await page.waitForFunction((c) => document.querySelector('.monaco-workbench')?.classList.contains(c), cls,
          { timeout: 15_000 });
        await dismissQuickInput(page);
      },
      async extensionHostLog() {
        const logs = join(userDataDir, 'logs');
        // Relative paths: the temp folder's own name contains "pixtune".
        const files = (await listFilesRecursive(logs)).filter((f) => /exthost|pixtune|remoteagent/i.test(relative(logs, f)));
        const parts = await Promise.all(files.map(async (f) => `== ${f}\n${await readFile(f, 'utf8').catch(() => '')}`));
        return parts.join('\n');
      },
      close,
    };
    return session;
  } catch (err) {
    await close();
    throw err;
  }
}

/** Runs `fn` with a started session and always closes it; on failure saves a screenshot named after the test. */
export async function withVSCode<T>(options: StartOptions & { name: string }, fn: (s: VSCodeSession) => Promise<T>): Promise<T> {
  const session = await startVSCode(options);
  try {
    return await fn(session);
  } catch (err) {
    const shot = await session.screenshot(`${options.name}-FAILED`).catch(() => undefined);
    const log = await session.extensionHostLog().catch(() => '');
    if (err instanceof Error) {
      err.message += `${shot ? `\nscreenshot: ${shot}` : ''}\nextension host log (tail):\n${log.slice(-3000)}`;
    }
    throw err;
  } finally {
    await session.close();
  }
}
