// Inline icons in the trees say what they do: the tooltip of an inline action is its command's title, so every
// inline command needs an icon and a title that names the act and its object ("Open Training Data Report", not
// "Open"); and no tree row carries more than three, or its description is cut off (issue 10, item 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface MenuItem { command: string; when?: string; group?: string }
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { commands: { command: string; title: string; icon?: string }[]; menus: Record<string, MenuItem[]> };
};
const commands = new Map(pkg.contributes.commands.map((c) => [c.command, c]));
const inline = (pkg.contributes.menus['view/item/context'] ?? []).filter((m) => m.group?.startsWith('inline'));

test('every inline action has an icon and a title of at least two words', () => {
  assert.ok(inline.length > 0);
  for (const m of inline) {
    const c = commands.get(m.command);
    assert.ok(c, `${m.command} is contributed`);
    assert.ok(c.icon, `${m.command} has an icon`);
    assert.ok(c.title.trim().split(/\s+/).length >= 2, `${m.command}: "${c.title}" says what it acts on`);
  }
});

test('a dataset row has two inline actions (Remove Dataset is in its context menu, where it asks first)', () => {
  const onDataset = inline.filter((m) => m.when?.includes('viewItem =~ /^dataset/')).map((m) => m.command).sort();
  assert.deepEqual(onDataset, ['pixtune.checkHealth', 'pixtune.generateTrainingData']);
  const menu = (pkg.contributes.menus['view/item/context'] ?? []).filter((m) => m.command === 'pixtune.removeDataset');
  assert.ok(menu.some((m) => !m.group?.startsWith('inline')), 'Remove Dataset stays in the context menu');
});

test('no row kind carries more than three inline actions', () => {
  const byWhen = new Map<string, number>();
  for (const m of inline) byWhen.set(m.when ?? '', (byWhen.get(m.when ?? '') ?? 0) + 1);
  for (const [when, n] of byWhen) assert.ok(n <= 3, `${n} inline actions when ${when}`);
});
