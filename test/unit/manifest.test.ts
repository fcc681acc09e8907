// package.json's contributions and the extension's command table must agree, and activation must stay lazy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CommandId } from '../../src/extension/commandIds';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

test('every command in the table is contributed, and every contributed command is in the table', () => {
  const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(contributed, Object.values(CommandId).sort());
});

test('menus only reference contributed commands', () => {
  const ids = new Set(Object.values(CommandId) as string[]);
  const builtIn = new Set<string>();
  for (const entries of Object.values(pkg.contributes.menus) as { command: string }[][]) {
    for (const e of entries) if (!builtIn.has(e.command)) assert.ok(ids.has(e.command), `menu references unknown ${e.command}`);
  }
});

test('activation is lazy: views, commands, workspaces that hold job links, details panels to restore (no "*" or onStartupFinished)', () => {
  for (const e of pkg.activationEvents ?? []) assert.ok(e !== '*' && e !== 'onStartupFinished', `eager activation event ${e}`);
});

test('the extension bundle does not load sharp when it is loaded', async () => {
  // dist/extension.js is built by `npm test` before the unit tests run. Loading it with a minimal
  // stand-in for the `vscode` module (VS Code itself is not available here) shows what its top level pulls in.
  const Module = (await import('node:module')).default as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
  const original = Module._load;
  const loaded: string[] = [];
  // Any property, call or `new` on this stand-in yields the stand-in again (e.g. new vscode.ThemeIcon(...)).
  const anything: unknown = new Proxy(function () {}, { get: () => anything, apply: () => anything, construct: () => anything as object });
  // esbuild's interop copies the module's own keys, so the stand-in lists every name @types/vscode exports.
  const names = [...readFileSync('node_modules/@types/vscode/index.d.ts', 'utf8').matchAll(/export (?:class|enum|namespace|function|const|let) (\w+)/g)].map((m) => m[1]!);
  const vscodeModule = new Proxy({} as Record<string, unknown>, {
    get: () => anything,
    ownKeys: () => [...new Set(names)],
    getOwnPropertyDescriptor: () => ({ configurable: true, enumerable: true, value: anything }),
  });
  Module._load = function (request: string, ...rest: unknown[]) {
    loaded.push(request);
    if (request === 'vscode') return vscodeModule;
    return original.call(this, request, ...rest);
  };
  try {
    require(resolve('dist/extension.js'));
  } finally {
    Module._load = original;
  }
  assert.ok(!loaded.includes('sharp'), 'sharp was required at load time');
});
