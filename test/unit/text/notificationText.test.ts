// Link syntax from data (folder names, model ids, server messages) must never become a clickable
// link in a notification, and every notification the extension shows must go through the helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NOTIFICATION_LINK_PATTERN, notice, plainForNotification } from '../../../src/core/text/notificationText';

const links = (text: string) => [...text.matchAll(NOTIFICATION_LINK_PATTERN)].map((m) => m[2]);

const hostile = [
  '[Open report](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%20-rf%20~%5Cn%22%7D)',
  '[x](COMMAND:pixtune.clearApiKey)',
  '[docs](https://attacker.example/x)',
  '[f](file:///etc/passwd)',
  '[a b](command:a "title")',
];

test('the link pattern finds the hostile links unescaped (the test can fail)', () => {
  for (const h of hostile) assert.equal(links(`Dataset ${h} is ready.`).length, 1, h);
});

test('plainForNotification leaves no link and keeps the visible text', () => {
  for (const h of hostile) {
    const safe = plainForNotification(h);
    assert.deepEqual(links(`Dataset ${safe} is ready.`), [], h);
    assert.equal(safe.replace(/\u200B/g, ''), h);
  }
});

test('plain words stay byte for byte: "file: x", "Error: command failed"', () => {
  for (const v of ['Cannot read file: x.jsonl', 'Error: command failed', 'a (b) [c]d']) assert.equal(plainForNotification(v).replace(/\u200B/g, ''), v);
  assert.equal(plainForNotification('Cannot read file: x.jsonl'), 'Cannot read file: x.jsonl');
  assert.notEqual(plainForNotification('see command:workbench.action.x'), 'see command:workbench.action.x');
});

test('notice escapes each value, also two values that only form a link side by side', () => {
  assert.deepEqual(links(notice`${'[label]'}${'(command:evil)'}`), []);
  assert.deepEqual(links(notice`Job ${'j1'} failed: ${hostile[0]}`), []);
  assert.equal(notice`Job ${'j1'} failed: ${42}.`, 'Job j1 failed: 42.');
  // our own text is left as written
  assert.equal(notice`[plain](command:ours)`, '[plain](command:ours)');
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * Notification text that is not made safe: the first argument of every show*Message, and the title /
 * message of notification progress, must be a plain literal, a constant, notice`…` or plainForNotification(…).
 */
export function unsafeNotifications(file: string, text: string): string[] {
  const out: string[] = [];
  const safeStart = /^\s*(?:\w+ \? )?(notice`|plainForNotification\(|'[^'`]*'|"[^"`]*"|`[^`$]*`|[A-Z][A-Z0-9_]*\b)/;
  for (const m of text.matchAll(/show(?:Information|Warning|Error)Message\(/g)) {
    const rest = text.slice(m.index + m[0].length);
    if (!safeStart.test(rest)) out.push(`${file}: ${rest.slice(0, 60).trim()}`);
  }
  for (const m of text.matchAll(/ProgressLocation\.Notification,\s*title:|progress\.report\(\{[^}]*?message:|modal: true, detail:/g)) {
    const rest = text.slice(m.index + m[0].length);
    if (!safeStart.test(rest) && !/^\s*title\b/.test(rest)) out.push(`${file}: ${m[0]} ${rest.slice(0, 60).trim()}`);
  }
  return out;
}

test('every notification in src/extension goes through notice`…` or plainForNotification', () => {
  const bad = tsFiles('src/extension').flatMap((f) => unsafeNotifications(f, readFileSync(f, 'utf8')));
  assert.deepEqual(bad, []);
});

test('the source check catches an unescaped message', () => {
  assert.equal(unsafeNotifications('x.ts', 'vscode.window.showErrorMessage(`Failed: ${name}`);').length, 1);
  assert.equal(unsafeNotifications('x.ts', 'vscode.window.showErrorMessage(\n  err.message);').length, 1);
  assert.equal(unsafeNotifications('x.ts', "{ location: vscode.ProgressLocation.Notification, title: `Scanning ${name}` }").length, 1);
  assert.equal(unsafeNotifications('x.ts', 'vscode.window.showErrorMessage(notice`Failed: ${name}`);').length, 0);
});
