// Bundles the extension host code, the CLI and the webview front end with esbuild.
// sharp is native and stays external (it ships in node_modules inside the platform VSIX);
// `vscode` is provided by the host. Everything else (SDK, zod) is bundled so the VSIX stays small.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';

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

const allBuilds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  {
    ...common,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    entryPoints: { webview: 'src/webview/main.ts' },
    outdir: 'dist',
  },
];

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

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
