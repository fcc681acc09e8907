// The Datasets behaviours, checked through VS Code's API: activation, contributed views and commands, adding a
// dataset with a Uri argument (what the Explorer menu passes) and the tree contents through the extension's API.
// The workspace and the expected figures come from the runner (PIXTUNE_IT_* environment variables).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SuiteTest } from './index';

/** The shape of what the extension's activate() returns (src/extension/extension.ts: PixtuneApi). */
interface PixtuneApi {
  datasets(): { root: string; classes: { name: string; count: number }[]; problems: string[] }[];
}

interface Expected {
  datasetRoot: string;
  classes: Record<string, number>;
}

function expected(): Expected {
  const raw = process.env.PIXTUNE_IT_EXPECTED;
  assert.ok(raw, 'PIXTUNE_IT_EXPECTED is not set: run this suite through test/integration/integration.test.ts');
  return JSON.parse(raw) as Expected;
}

async function pixtune(): Promise<vscode.Extension<PixtuneApi>> {
  const ext = vscode.extensions.getExtension<PixtuneApi>('pixtune.pixtune');
  assert.ok(ext, 'extension pixtune.pixtune is not installed in the test instance');
  if (!ext.isActive) await ext.activate();
  return ext;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const datasetTests: SuiteTest[] = [
  {
    name: 'activates and returns its API',
    async fn() {
      const ext = await pixtune();
      assert.equal(ext.isActive, true);
      assert.equal(typeof ext.exports.datasets, 'function');
      assert.deepEqual(ext.exports.datasets().filter((d) => d.root === expected().datasetRoot), []);
    },
  },
  {
    name: 'contributes the Pixtune container with the Datasets and Fine-tuning Jobs views',
    async fn() {
      const ext = await pixtune();
      const contributes = ext.packageJSON.contributes as {
        viewsContainers: { activitybar: { id: string; title: string }[] };
        views: Record<string, { id: string; name: string }[]>;
      };
      assert.ok(contributes.viewsContainers.activitybar.some((c) => c.id === 'pixtune' && c.title === 'Pixtune'));
      assert.deepEqual(contributes.views.pixtune.map((v) => [v.id, v.name]),
        [['pixtune.datasets', 'Datasets'], ['pixtune.jobs', 'Fine-tuning Jobs']]);
      // The workbench generates these commands only for views it has really registered.
      await vscode.commands.executeCommand('workbench.view.extension.pixtune');
      await vscode.commands.executeCommand('pixtune.datasets.focus');
      const commands = await vscode.commands.getCommands(true);
      for (const id of ['pixtune.addDataset', 'pixtune.checkHealth', 'pixtune.removeDataset', 'pixtune.refreshDatasets']) {
        assert.ok(commands.includes(id), `command ${id} is not registered`);
      }
    },
  },
  {
    name: 'adds a dataset from a folder Uri and lists its classes with their image counts',
    async fn() {
      const { datasetRoot, classes } = expected();
      const ext = await pixtune();
      await vscode.commands.executeCommand('pixtune.addDataset', vscode.Uri.file(datasetRoot));
      const ds = await until('the dataset to be scanned', () =>
        ext.exports.datasets().find((d) => d.root === datasetRoot && d.classes.length > 0));
      const counts = Object.fromEntries(ds.classes.map((c) => [c.name, c.count]));
      assert.deepEqual(counts, classes);
    },
  },
  {
    name: 'the health check finds the corrupt image',
    async fn() {
      const { datasetRoot } = expected();
      const ext = await pixtune();
      await vscode.commands.executeCommand('pixtune.checkHealth', vscode.Uri.file(datasetRoot));
      const ds = await until('health problems', () =>
        ext.exports.datasets().find((d) => d.root === datasetRoot && d.problems.some((p) => p === 'corrupt' || p === 'truncated')));
      assert.ok(ds.problems.includes('corrupt') || ds.problems.includes('truncated'), `problems: ${ds.problems.join(', ')}`);
    },
  },
  {
    name: 'removing the dataset empties the list',
    async fn() {
      const { datasetRoot } = expected();
      const ext = await pixtune();
      // A script may skip the confirmation a user always gets (the e2e walkthrough test answers that dialog).
      await vscode.commands.executeCommand('pixtune.removeDataset', vscode.Uri.file(datasetRoot), { confirm: false });
      await until('the dataset to be removed', () =>
        ext.exports.datasets().some((d) => d.root === datasetRoot) ? undefined : true);
    },
  },
];
