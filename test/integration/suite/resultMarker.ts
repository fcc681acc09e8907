// Prefix of the one console line in which the suite reports its result. Kept apart from index.ts so the runner
// (a plain Node process without the `vscode` module) can import it.
export const RESULT_MARKER = 'PIXTUNE_SUITE_RESULT ';

export interface SuiteResult {
  total: number;
  failures: string[];
}
