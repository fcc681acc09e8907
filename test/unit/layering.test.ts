// The architecture's layering rules, checked on the source text so a violation fails `npm test`:
// core never imports vscode / extension / webview; webview never imports core at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const importRe = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function imports(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(importRe)) {
    const spec = m[3] ?? m[4] ?? m[5] ?? m[6];
    if (spec) out.push({ spec, typeOnly: Boolean(m[2]) });
  }
  return out;
}

export function violations(dir: string, rule: (spec: string, typeOnly: boolean) => boolean): string[] {
  return tsFiles(dir).flatMap((f) => imports(f).filter((i) => rule(i.spec, i.typeOnly)).map((i) => `${f} imports ${i.spec}`));
}

test('src/core never imports vscode, the extension or the webview', () => {
  const bad = violations('src/core', (spec) => spec === 'vscode' || /(^|\/)(extension|webview)(\/|$)/.test(spec));
  assert.deepEqual(bad, []);
});

test('src/webview imports core only for types', () => {
  const bad = violations('src/webview', (spec, typeOnly) => spec.includes('/core/') && !typeOnly);
  assert.deepEqual(bad, []);
});

test('the layering check itself catches every form of a vscode import', () => {
  // Guards against the regex silently matching nothing (a bare side-effect import was missed before).
  const forms = [
    `import * as vscode from 'vscode';`,
    `import 'vscode';`,
    `import "vscode"`,
    `import type { Uri } from 'vscode';`,
    `export { window } from 'vscode';`,
    `const v = require('vscode');`,
    `const v = await import('vscode');`,
    `import {\n  window,\n} from 'vscode';`,
  ];
  for (const form of forms) {
    const found = [...`// a file\n${form}\n`.matchAll(importRe)].map((m) => m[3] ?? m[4] ?? m[5] ?? m[6]);
    assert.deepEqual(found, ['vscode'], form);
  }
});
