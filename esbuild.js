// Build configuration (as VS Code's esbuild extension template): `node esbuild.js [--production] [--watch]`.
// Bundles the extension host code, the CLI and the webview front ends. sharp is native and stays external (it
// ships in node_modules inside the platform VSIX); `vscode` is provided by the host. Everything else (SDK, zod)
// is bundled so the VSIX stays small. --production minifies and drops source maps (what the VSIX ships);
// --watch rebuilds on change and logs each rebuild's errors in the problem-matcher format VS Code understands.
const esbuild = require('esbuild');
const { cpSync, existsSync, mkdirSync, rmSync } = require('node:fs');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // The SDK imports @opentelemetry/* optionally (a caught dynamic import): leave those unresolved.
  external: ['vscode', 'sharp', '@opentelemetry/*'],
};

const browser = { ...common, platform: 'browser', target: 'es2022', format: 'iife', outdir: 'dist' };

const allBuilds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  // One bundle per webview front end: the job details panel, and the review / gallery panel.
  { ...browser, entryPoints: { webview: 'src/webview/main.ts' } },
  { ...browser, entryPoints: { review: 'src/webview/review/main.ts' } },
  // The training record preview (custom editor for a run's JSONL files).
  { ...browser, entryPoints: { recordPreview: 'src/webview/recordPreview/main.ts' } },
];

/** Logs the end of each watch rebuild the way the `$esbuild-watch` problem matcher expects. */
const watchLogger = {
  name: 'watch-logger',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

async function main() {
  // An entry that does not exist yet (a view still being written) is skipped with a note, not an error.
  const builds = allBuilds.filter((b) => {
    const entry = Object.values(b.entryPoints)[0];
    if (existsSync(entry)) return true;
    console.warn(`build: skipping ${entry} (not present)`);
    return false;
  });

  mkdirSync('dist', { recursive: true });
  // Codicons are served to webviews from dist/ (localResourceRoots), not from node_modules.
  cpSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/codicon.css');
  cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/codicon.ttf');
  // The Python trainer ships in the VSIX as dist/trainer (src/ and scripts/ do not): its .py files, the pinned
  // requirements and the script that builds its environment (run with PIXTUNE_REQUIREMENTS pointing here).
  if (existsSync('src/trainer/pixtune_trainer')) {
    rmSync('dist/trainer', { recursive: true, force: true });
    cpSync('src/trainer', 'dist/trainer', { recursive: true, filter: (p) => !p.includes('__pycache__') && (!/\.[a-z0-9]+$/i.test(p) || /\.(py|txt)$/.test(p)) });
    cpSync('scripts/setup-python.sh', 'dist/trainer/setup-python.sh');
  }

  if (watch) {
    for (const b of builds) await (await esbuild.context({ ...b, plugins: [watchLogger] })).watch();
  } else {
    await Promise.all(builds.map((b) => esbuild.build(b)));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
