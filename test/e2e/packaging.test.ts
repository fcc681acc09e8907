// The platform VSIX: what is inside it, and whether the extension code-server installs from it can load sharp
// (the one native dependency; everything else is bundled into dist/*.js).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { codeServerExecutable, ensureVsix, REPO_ROOT } from './harness';

interface PackageScript {
  zipEntryNames(file: string): string[];
  checkVsixContent(file: string, runtimePackages?: string[]): string[];
  sharpRuntimePackages(): string[];
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the VSIX holds the bundles and sharp with its runtime dependencies, nothing else', { timeout: 180_000 }, async () => {
  const vsix = await ensureVsix();
  // A computed specifier: the script is plain ESM JavaScript that tsc does not need to see.
  const pkg = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'package.mjs')).href)) as PackageScript;
  const files = pkg.zipEntryNames(vsix).filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
  assert.deepEqual(pkg.checkVsixContent(vsix), []);
  const sharpMain = (JSON.parse(await readFile(join(REPO_ROOT, 'node_modules', 'sharp', 'package.json'), 'utf8')) as { main: string }).main;
  for (const f of ['package.json', 'dist/extension.js', 'dist/cli.js', join('node_modules/sharp', sharpMain),
    'node_modules/@img/sharp-linux-x64/package.json', 'node_modules/@img/sharp-libvips-linux-x64/package.json',
    'node_modules/detect-libc/package.json', 'node_modules/semver/package.json', 'node_modules/@img/colour/package.json']) {
    assert.ok(files.includes(f), `VSIX lacks ${f}`);
  }
  for (const prefix of ['src/', 'test/', 'bench/', 'node_modules/zod/', 'node_modules/@mistralai/', 'node_modules/playwright-core/',
    'node_modules/typescript/', 'test-output/', '.cache/']) {
    assert.equal(files.find((f) => f.startsWith(prefix)), undefined, `VSIX must not contain ${prefix}`);
  }
  assert.equal(files.find((f) => /screenshot|fixtures\/generated|\.map$/.test(f)), undefined);
  // The content check can fail: against a dependency list without semver, the packaged semver is reported.
  const runtime = pkg.sharpRuntimePackages();
  assert.ok(runtime.includes('@img/sharp-linux-x64'));
  assert.deepEqual(pkg.checkVsixContent(vsix, runtime.filter((n) => n !== 'semver')),
    ['unexpected node_modules/semver (bundled or not needed)']);
});

test('code-server installs the VSIX and the installed extension loads sharp and decodes an image', { timeout: 180_000 }, async () => {
  const exe = codeServerExecutable();
  const vsix = await ensureVsix();
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-vsix-'));
  try {
    const extensionsDir = join(dir, 'extensions');
    const install = await run(exe, ['--config', join(dir, 'config.yaml'), '--user-data-dir', join(dir, 'user-data'),
      '--extensions-dir', extensionsDir, '--install-extension', vsix], dir);
    assert.equal(install.code, 0, install.stdout + install.stderr);
    const installed = (await readdir(extensionsDir)).filter((n) => n.startsWith('pixtune.pixtune-'));
    assert.equal(installed.length, 1, `installed: ${installed.join(', ')}`);
    const extDir = join(extensionsDir, installed[0]);

    // Load sharp the way dist/extension.js does (require from the extension folder), then round-trip a PNG.
    const probe = join(dir, 'probe.cjs');
    await writeFile(probe, `
      const { createRequire } = require('node:module');
      const sharp = createRequire(${JSON.stringify(join(extDir, 'dist', 'extension.js'))})('sharp');
      sharp({ create: { width: 8, height: 6, channels: 3, background: '#3a6' } }).png().toBuffer()
        .then((png) => sharp(png).metadata())
        .then((m) => console.log(JSON.stringify({ width: m.width, height: m.height, format: m.format,
          from: require.resolve('sharp', { paths: [${JSON.stringify(extDir)}] }) })));
    `);
    const r = await run(process.execPath, [probe], dir);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { width: number; height: number; format: string; from: string };
    assert.deepEqual({ width: out.width, height: out.height, format: out.format }, { width: 8, height: 6, format: 'png' });
    assert.ok(out.from.startsWith(extDir), `sharp resolved from ${out.from}, not from the installed extension`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
