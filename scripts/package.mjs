// Packages the extension for one platform: production bundles, then `vsce package --target linux-x64`, offline.
// Our code, the SDK and zod are bundled into dist/*.js; only sharp (native) ships in node_modules. Which files go
// in is decided by .vscodeignore (an allowlist); afterwards this script reads the VSIX back and checks that the
// packaged node_modules are exactly sharp's runtime dependency tree and that no sources, tests, screenshots or
// caches slipped in — a VSIX that cannot load sharp would otherwise only fail on a user's machine.
//
// Usage: node scripts/package.mjs [--skip-build] [--reuse-if-fresh] [--out dist/pixtune-linux-x64.vsix]
//   --reuse-if-fresh: keep an existing VSIX that is newer than every input (src, media, package.json, …).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 'linux-x64';
export const DEFAULT_VSIX = join(ROOT, 'dist', `pixtune-${TARGET}.vsix`);

// Paths that must never be in the VSIX (relative to the `extension/` folder inside it).
const FORBIDDEN = [/^src\//, /^test\//, /^bench\//, /^scripts\//, /^test-output\//, /(^|\/)screenshots?\//,
  /^\.cache\//, /^\.pixtune\//, /^\.ci\//, /^node_modules\/\.bin\//, /\.map$/, /\.vsix$/, /^tsconfig\.json$/];
const REQUIRED = ['package.json', 'dist/extension.js', 'dist/cli.js', 'node_modules/sharp/package.json'];

// What the VSIX is made from: when none of these changed since it was written, it can be reused.
const INPUTS = ['src', 'media', 'package.json', 'package-lock.json', '.vscodeignore', 'esbuild.js', 'scripts/package.mjs',
  // Copied into dist/trainer by esbuild.js: the VSIX ships it, so a change to it makes the VSIX stale.
  'scripts/setup-python.sh'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Whether `vsix` exists and is newer than everything it is built from. */
export function vsixIsFresh(vsix = DEFAULT_VSIX) {
  if (!existsSync(vsix)) return false;
  return statSync(vsix).mtimeMs > Math.max(...INPUTS.map((p) => newestMtime(join(ROOT, p))));
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return r;
}

/** Names of the packages sharp needs at run time on this machine (its installed, non-optional-missing subtree). */
export function sharpRuntimePackages() {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: ROOT, encoding: 'utf8' });
  // npm ls exits non-zero for unmet optional dependencies (other platforms' sharp builds); the JSON is still valid.
  const tree = JSON.parse(r.stdout);
  const sharp = tree.dependencies?.sharp;
  if (!sharp?.version) throw new Error('sharp is not installed: run npm install');
  const names = new Set(['sharp']);
  const walk = (node) => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      if (!child.version) continue; // an optional dependency for another platform, not installed
      names.add(name);
      walk(child);
    }
  };
  walk(sharp);
  return [...names].sort();
}

/** Entry names of a zip file, read from its central directory (no unzip binary needed). */
export function zipEntryNames(file) {
  const buf = readFileSync(file);
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/** The text of one entry of a zip file (stored or deflated), or undefined when absent. */
export function zipEntryText(file, entry) {
  const buf = readFileSync(file);
  let p = 0;
  while (p + 30 <= buf.length && buf.readUInt32LE(p) === 0x04034b50) {
    const method = buf.readUInt16LE(p + 8);
    const flags = buf.readUInt16LE(p + 6);
    const size = buf.readUInt32LE(p + 18);
    const nameLen = buf.readUInt16LE(p + 26);
    const extraLen = buf.readUInt16LE(p + 28);
    const name = buf.toString('utf8', p + 30, p + 30 + nameLen);
    const start = p + 30 + nameLen + extraLen;
    if (flags & 0x08) throw new Error('zip entries with data descriptors are not supported');
    if (name === entry) {
      const data = buf.subarray(start, start + size);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    p = start + size;
  }
  return undefined;
}

/** Problems with a packaged VSIX (empty when it is fine). */
export function checkVsixContent(vsixPath, runtimePackages = sharpRuntimePackages()) {
  const problems = [];
  const files = zipEntryNames(vsixPath)
    .filter((n) => n.startsWith('extension/'))
    .map((n) => n.slice('extension/'.length));
  for (const f of REQUIRED) if (!files.includes(f)) problems.push(`missing ${f}`);
  for (const f of files) if (FORBIDDEN.some((re) => re.test(f))) problems.push(`must not contain ${f}`);
  const packaged = new Set();
  for (const f of files) {
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
    if (m) packaged.add(m[1]);
  }
  for (const name of runtimePackages) {
    if (!packaged.has(name)) problems.push(`missing node_modules/${name} (a runtime dependency of sharp)`);
  }
  for (const name of packaged) {
    if (!runtimePackages.includes(name)) problems.push(`unexpected node_modules/${name} (bundled or not needed)`);
  }
  return problems;
}

export async function packageVsix({ out = DEFAULT_VSIX, skipBuild = false } = {}) {
  if (!skipBuild) {
    console.log('package: node esbuild.js --production');
    // Sourcemaps of an earlier dev build would be stale next to minified bundles; .vscodeignore leaves them out.
    run(process.execPath, ['esbuild.js', '--production']);
  }
  for (const f of ['dist/extension.js', 'dist/cli.js']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} was not built`);
  }
  rmSync(out, { force: true });
  const args = ['package', '--target', TARGET, '--out', out, '--no-yarn', '--allow-missing-repository'];
  // vsce asks interactively when LICENSE is missing; with stdin closed that would fail, so say it up front.
  if (!['LICENSE', 'LICENSE.md', 'LICENSE.txt'].some((f) => existsSync(join(ROOT, f)))) args.push('--skip-license');
  console.log(`package: vsce ${args.join(' ')}`);
  run(process.execPath, [join(ROOT, 'node_modules/@vscode/vsce/vsce'), ...args], {
    // vsce checks npm for newer versions of itself; nothing to reach offline.
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const problems = checkVsixContent(out);
  if (problems.length) throw new Error(`the VSIX is not right:\n  ${problems.join('\n  ')}`);
  const entries = zipEntryNames(out).length;
  console.log(`package: ${out} (${(statSync(out).size / 1e6).toFixed(1)} MB, ${entries} entries) checked`);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  const outIdx = argv.indexOf('--out');
  try {
    const out = outIdx >= 0 ? resolve(argv[outIdx + 1]) : DEFAULT_VSIX;
    if (argv.includes('--reuse-if-fresh') && vsixIsFresh(out)) {
      console.log(`package: ${out} is newer than its sources, reusing it`);
      process.exit(0);
    }
    await packageVsix({
      out,
      skipBuild: argv.includes('--skip-build'),
    });
  } catch (err) {
    console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
