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

test('activation events the implicit ones do not cover are declared: job links in a workspace, every restorable webview panel', () => {
  const events: string[] = pkg.activationEvents ?? [];
  assert.ok(events.includes('workspaceContains:.pixtune/**/job.json'), 'a workspace with job links must activate Pixtune so their jobs are followed');
  assert.ok(events.includes('workspaceContains:.pixtune/**/training/*/pixtune-job.json'), 'a workspace with local trainings must activate Pixtune so one that ended while VS Code was closed is announced');
  const sources = extensionSources().join('\n');
  const serializers = [...sources.matchAll(/registerWebviewPanelSerializer\(\s*([\w.'"-]+)/g)].map((m) => resolveConstant(m[1]!, sources));
  assert.ok(serializers.length > 0, 'the check found no webview serializer: it would pass vacuously');
  for (const viewType of serializers) assert.ok(events.includes(`onWebviewPanel:${viewType}`), `missing onWebviewPanel:${viewType}: its panels would not come back after a reload`);
});

test('workspace trust: limited support, and every setting that picks a server, key, path or program is restricted and application-scoped', () => {
  const trust = pkg.capabilities?.untrustedWorkspaces;
  assert.equal(trust?.supported, 'limited');
  assert.equal(typeof pkg.capabilities?.virtualWorkspaces?.supported, 'boolean', 'virtualWorkspaces must be declared');
  const restricted = new Set<string>(trust.restrictedConfigurations ?? []);
  const properties = pkg.contributes.configuration.properties as Record<string, { scope?: string }>;
  const sensitive = Object.keys(properties).filter((name) => /(url|uri|endpoint|address|host|key|token|secret|python|executable|command|interpreter|path|dir)$/i.test(name.split('.').pop()!));
  assert.ok(sensitive.includes('pixtune.serverUrl'));
  for (const name of sensitive) {
    assert.ok(restricted.has(name), `${name} must be in capabilities.untrustedWorkspaces.restrictedConfigurations`);
    // "application": only user settings can set it, never a workspace or folder. Not "machine": in a remote window
    // (Remote-SSH, WSL, code-server) VS Code then ignores the user's value and reads only the remote's settings, so a
    // server URL set in user settings silently falls back to the default (seen as a reload that lost the sandbox).
    assert.equal(properties[name]!.scope, 'application', `${name} must be "scope": "application" so a cloned workspace cannot set it and remote windows honour it`);
  }
});

test('in Restricted Mode the commands that send a key, upload or run a server are disabled', () => {
  const reaching = /^(Set API Key|Launch|Start|Cancel|Stop|Resume|Predict|Evaluate|Upload|Train)\b/;
  const commands = pkg.contributes.commands as { command: string; title: string; enablement?: string }[];
  const checked = commands.filter((c) => reaching.test(c.title));
  assert.ok(checked.some((c) => c.command === 'pixtune.launchFineTuning') && checked.some((c) => c.command === 'pixtune.setApiKey'));
  for (const c of checked) assert.match(c.enablement ?? '', /\bisWorkspaceTrusted\b/, `${c.command} ("${c.title}") needs "enablement": "isWorkspaceTrusted"`);
});

function extensionSources(): string[] {
  const { readdirSync, statSync } = require('node:fs') as typeof import('node:fs');
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = `${dir}/${n}`;
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
    });
  return walk('src/extension').map((f) => readFileSync(f, 'utf8'));
}

function resolveConstant(expr: string, sources: string): string {
  const literal = /^['"](.*)['"]$/.exec(expr);
  if (literal) return literal[1]!;
  const name = expr.split('.').pop()!;
  const def = new RegExp(`\\b${name}\\s*=\\s*['"]([^'"]+)['"]`).exec(sources);
  assert.ok(def, `cannot resolve the view type ${expr}`);
  return def[1]!;
}
