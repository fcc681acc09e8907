// Runs inside the VS Code extension host (Extension Development Host), started by ../integration.test.ts through
// @vscode/test-electron, or in code-server's extension host. No mocha here: a small sequential runner over node:assert is enough for a handful of
// behaviours and keeps the dev dependencies as they are. `run()` must throw when a test fails.
import { datasetTests } from './datasets.suite';
import { RESULT_MARKER, type SuiteResult } from './resultMarker';

export interface SuiteTest {
  name: string;
  fn: () => Promise<void>;
}

export async function run(): Promise<void> {
  const failures: string[] = [];
  const tests: SuiteTest[] = [...datasetTests];
  let passed = 0;
  for (const t of tests) {
    const started = Date.now();
    try {
      await t.fn();
      console.log(`  ✔ ${t.name} (${Date.now() - started} ms)`);
      passed++;
    } catch (err) {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      console.log(`  ✖ ${t.name}\n${detail}`);
      failures.push(t.name);
      // Later tests build on earlier state (the dataset added); running on would only add noise.
      break;
    }
  }
  const notRun = tests.length - passed - failures.length;
  console.log(`integration suite: ${passed} of ${tests.length} passed${failures.length ? `, ${failures.length} failed, ${notRun} not run` : ''}`);
  // One machine-readable line for runners that only see the extension host's console (code-server's web client).
  const result: SuiteResult = { total: tests.length, failures };
  console.log(`${RESULT_MARKER}${JSON.stringify(result)}`);
  if (failures.length) throw new Error(`integration tests failed: ${failures.join(', ')}`);
}
