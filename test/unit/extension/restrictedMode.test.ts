// Restricted Mode in code, not only in package.json's enablement: ServerAccess (the one way the extension
// gets a key or a connection) hides the key and refuses connections until the workspace is trusted, and
// trusting it makes the key usable again. VS Code itself is not available here: the `vscode` module is a
// small stand-in with the workspace trust state and events; ServerAccess and workspaceTrust are the real code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';

type Listener = () => void;
const trust = { trusted: false, granted: [] as Listener[] };

class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  event = (l: (e: T) => void) => {
    this.listeners.push(l);
    return { dispose: () => undefined };
  };
  fire(e: T) {
    for (const l of this.listeners) l(e);
  }
  dispose() {}
}

const vscodeStandIn = {
  EventEmitter,
  workspace: {
    get isTrusted() {
      return trust.trusted;
    },
    getConfiguration: () => ({ get: (k: string) => (k === 'serverUrl' ? 'http://127.0.0.1:9' : undefined) }),
    onDidChangeConfiguration: () => ({ dispose: () => undefined }),
    onDidGrantWorkspaceTrust: (l: Listener) => {
      trust.granted.push(l);
      return { dispose: () => undefined };
    },
  },
};

const loader = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
const original = loader._load;
loader._load = function (request: string, ...rest: unknown[]) {
  if (request === 'vscode') return vscodeStandIn;
  return original.call(this, request, ...rest);
};

test('untrusted: the stored key is hidden and no connection is made; trusting the workspace brings it back', async () => {
  const { ServerAccess, connectionFor } = await import('../../../src/extension/jobs/serverAccess');
  const { RESTRICTED_MODE_MESSAGE } = await import('../../../src/extension/workspaceTrust');
  const stored = new Map([['pixtune.apiKey:http://127.0.0.1:9', 'sk-stored']]);
  const secrets = { get: async (k: string) => stored.get(k), store: async () => undefined, delete: async () => undefined, onDidChange: () => ({ dispose: () => undefined }) };
  const access = new ServerAccess(secrets as never);
  let changes = 0;
  access.onDidChange(() => changes++);

  trust.trusted = false;
  assert.equal(await access.hasKey(), false, 'the jobs view polls nothing: it sees no key');
  await assert.rejects(access.connection(), (e: Error) => e.message === RESTRICTED_MODE_MESSAGE);
  await assert.rejects(connectionFor('http://127.0.0.1:9', 'sk-typed'), (e: Error) => e.message === RESTRICTED_MODE_MESSAGE, "Set API Key's test call is refused too");

  trust.trusted = true;
  for (const l of trust.granted) l();
  assert.equal(changes, 1, 'granting trust tells the views to look again');
  assert.equal(await access.hasKey(), true);
  const conn = await access.connection();
  assert.equal(conn.serverUrl, 'http://127.0.0.1:9');
  access.dispose();
});
