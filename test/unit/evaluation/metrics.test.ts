import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { computeReport, INVALID_LABEL, percentile } from '../../../src/core/evaluation/metrics';
import { mostConfusedPairs } from '../../../src/core/evaluation/confusedPairs';
import type { PredictionRecord } from '../../../src/core/evaluation/predictionRecord';
import { mulberry32 } from '../../../src/core/training/seededRandom';
import { rec } from './runFixture';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9, `${what}: ${a} vs ${b}`);

test('hand-computed: invalid answers count against their class, never as a column of the averages', () => {
  const classes = ['a', 'b', 'c'];
  const records = [
    rec(1, 'a', 'a'), rec(2, 'a', 'a'), rec(3, 'a', 'b'), rec(4, 'a', null),
    rec(5, 'b', 'b'), rec(6, 'b', 'a'),
    rec(7, 'c', null, { raw: '' }), rec(8, 'c', 'b', { raw: 'b' }),
    rec(9, 'c', null, { error: 'HTTP 500', raw: '' }), // a failed request: not in the figures
  ];
  const r = computeReport(records, classes);
  assert.equal(r.total, 8);
  close(r.accuracy, 3 / 8, 'accuracy');
  // a: tp 2, predicted a 3 → P 2/3, R 2/4; b: tp 1, predicted b 3 → P 1/3, R 1/2; c: never predicted → P 0 (zero division), R 0
  close(r.perClass.a!.precision, 2 / 3, 'P(a)');
  close(r.perClass.a!.recall, 0.5, 'R(a)');
  close(r.perClass.a!.f1, (2 * (2 / 3) * 0.5) / (2 / 3 + 0.5), 'F1(a)');
  close(r.perClass.b!.precision, 1 / 3, 'P(b)');
  close(r.perClass.c!.precision, 0, 'P(c)');
  close(r.perClass.c!.f1, 0, 'F1(c)');
  assert.deepEqual(Object.values(r.perClass).map((m) => m.support), [4, 2, 2]);
  close(r.macroPrecision, (2 / 3 + 1 / 3 + 0) / 3, 'macro P');
  close(r.weightedRecall, (0.5 * 4 + 0.5 * 2 + 0 * 2) / 8, 'weighted R');
  close(r.invalidRate, 2 / 8, 'invalid rate');
  // rec 4 answered "no idea" (read as a label, just not a class); rec 7 answered nothing readable.
  close(r.parseFailureRate, 1 / 8, 'parse failures');
  close(r.errorRate, 1 / 9, 'error rate');
  assert.deepEqual(r.confusion.labels, ['a', 'b', 'c', INVALID_LABEL]);
  assert.deepEqual(r.confusion.matrix, [[2, 1, 0, 1], [1, 1, 0, 0], [0, 1, 0, 1]]);
});

test('a class with no support and no predictions gets zeros, and weighted averages ignore it', () => {
  const r = computeReport([rec(1, 'a', 'a'), rec(2, 'a', 'b'), rec(3, 'b', 'b')], ['a', 'b', 'never']);
  assert.deepEqual(r.perClass.never, { precision: 0, recall: 0, f1: 0, support: 0 });
  close(r.weightedF1, (r.perClass.a!.f1 * 2 + r.perClass.b!.f1 * 1) / 3, 'weighted F1');
  close(r.macroF1, (r.perClass.a!.f1 + r.perClass.b!.f1) / 3, 'macro F1 includes the empty class as 0');
});

test('empty input, tokens, cost and latency percentiles (numpy linear)', () => {
  const empty = computeReport([], ['a']);
  assert.equal(empty.accuracy, 0);
  assert.equal(empty.latencyMs, null);
  const r = computeReport(
    [1, 2, 3, 4].map((i) => rec(i, 'a', 'a', { usage: { prompt_tokens: 100, completion_tokens: 10 }, latencyMs: i * 10 })),
    ['a'],
    { pricePerMillionTokens: { prompt: 2, completion: 6 } },
  );
  assert.deepEqual(r.tokens, { prompt: 400, completion: 40 });
  close(r.cost!, (400 * 2 + 40 * 6) / 1e6, 'cost');
  close(r.latencyMs!.p50, 25, 'p50');
  close(percentile([10, 20, 30, 40], 0.9), 37, 'p90');
});

test('most confused pairs add both directions and ignore the invalid column', () => {
  const r = computeReport([rec(1, 'x', 'y'), rec(2, 'y', 'x'), rec(3, 'y', 'x'), rec(4, 'x', 'z'), rec(5, 'z', null)], ['x', 'y', 'z']);
  const pairs = mostConfusedPairs(r.confusion);
  assert.deepEqual(pairs[0], { a: 'x', b: 'y', aAsB: 1, bAsA: 2, total: 3 });
  assert.equal(pairs.length, 2);
});

const SKLEARN = `
import json, sys
from sklearn.metrics import accuracy_score, precision_recall_fscore_support, confusion_matrix
out = []
for case in json.load(sys.stdin):
    y_true, y_pred, labels = case["y_true"], case["y_pred"], case["labels"]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    res = {"accuracy": accuracy_score(y_true, y_pred), "p": list(p), "r": list(r), "f": list(f), "s": [int(x) for x in s]}
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=avg, zero_division=0)
        res[avg] = [ap, ar, af]
    res["cm"] = confusion_matrix(y_true, y_pred, labels=labels + ["(invalid)"]).tolist()
    out.append(res)
json.dump(out, sys.stdout)
`;

test('equals scikit-learn precision_recall_fscore_support / accuracy_score to 1e-9 (random cases)', () => {
  // Debian's python3-sklearn lives in /usr/bin/python3, which a pyenv or venv python3 on PATH may hide.
  const probes = ['python3', '/usr/bin/python3'].map((exe) => ({ exe, r: spawnSync(exe, ['-c', 'import sklearn'], { encoding: 'utf8' }) }));
  const python = probes.find((p) => p.r.status === 0)?.exe;
  const why = probes.map((p) => `${p.exe}: ${(p.r.error?.message ?? p.r.stderr).trim().split('\n').pop()}`).join('; ');
  assert.ok(python, `This test needs Python 3 with scikit-learn, which is missing here (${why}). Install it with "apt-get install python3-sklearn" (scripts/setup-e2e.sh does).`);
  const rand = mulberry32(11);
  const cases: { classes: string[]; records: PredictionRecord[] }[] = [];
  for (let k = 0; k < 60; k++) {
    const n = 1 + Math.floor(rand() * 6);
    const classes = Array.from({ length: n }, (_, i) => `class ${i}`);
    const records: PredictionRecord[] = [];
    const size = Math.floor(rand() * 40);
    const skew = rand(); // some cases put everything in few classes: zero-division and never-predicted classes
    for (let i = 0; i < size; i++) {
      const truth = classes[Math.floor(rand() ** (1 + skew * 3) * n)]!;
      const u = rand();
      const predicted = u < 0.12 ? null : u < 0.55 ? truth : classes[Math.floor(rand() ** (1 + skew * 3) * n)]!;
      records.push(rec(i, truth, predicted));
    }
    cases.push({ classes, records });
  }
  const payload = cases
    .filter((c) => c.records.length > 0)
    .map((c) => ({ labels: c.classes, y_true: c.records.map((r) => r.truth), y_pred: c.records.map((r) => r.predicted ?? INVALID_LABEL) }));
  const py = spawnSync(python, ['-c', SKLEARN], { input: JSON.stringify(payload), encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  assert.equal(py.status, 0, py.stderr);
  const expected = JSON.parse(py.stdout) as { accuracy: number; p: number[]; r: number[]; f: number[]; s: number[]; macro: number[]; weighted: number[]; cm: number[][] }[];
  let checked = 0;
  for (const [i, c] of cases.filter((x) => x.records.length > 0).entries()) {
    const e = expected[i]!;
    const got = computeReport(c.records, c.classes);
    close(got.accuracy, e.accuracy, `case ${i} accuracy`);
    c.classes.forEach((cls, j) => {
      close(got.perClass[cls]!.precision, e.p[j]!, `case ${i} P(${cls})`);
      close(got.perClass[cls]!.recall, e.r[j]!, `case ${i} R(${cls})`);
      close(got.perClass[cls]!.f1, e.f[j]!, `case ${i} F1(${cls})`);
      assert.equal(got.perClass[cls]!.support, e.s[j]);
    });
    [got.macroPrecision, got.macroRecall, got.macroF1].forEach((x, j) => close(x, e.macro[j]!, `case ${i} macro ${j}`));
    [got.weightedPrecision, got.weightedRecall, got.weightedF1].forEach((x, j) => close(x, e.weighted[j]!, `case ${i} weighted ${j}`));
    assert.deepEqual(got.confusion.matrix, e.cm.slice(0, c.classes.length), `case ${i} confusion`);
    checked++;
  }
  assert.ok(checked >= 50, `${checked} cases checked`);
});
