// The guided flow of "Generate Training Data": five short steps with the last answers (per dataset)
// preselected. Returns validated options, or undefined when the user dismisses a step.
import * as vscode from 'vscode';
import { prepareOptionsSchema, type PrepareOptionsInput } from '../../core/training/prepareOptions';

const STEPS = 5;
type Choice<T> = vscode.QuickPickItem & { value?: T; custom?: true };

async function pick<T>(step: number, title: string, items: Choice<T>[], current: (v: T | undefined) => boolean): Promise<Choice<T> | undefined> {
  const qp = vscode.window.createQuickPick<Choice<T>>();
  qp.title = `Generate Training Data (${step}/${STEPS}): ${title}`;
  qp.items = items;
  qp.ignoreFocusOut = true;
  const active = items.find((i) => !i.custom && current(i.value));
  if (active) qp.activeItems = [active];
  try {
    return await new Promise<Choice<T> | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0] ?? qp.activeItems[0]));
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
  } finally {
    qp.dispose();
  }
}

function numberInput(title: string, value: string, validate: (n: number) => string | undefined) {
  return vscode.window.showInputBox({
    title,
    value,
    ignoreFocusOut: true,
    validateInput: (text) => {
      const n = Number(text);
      return text.trim() === '' || !Number.isFinite(n) ? 'Enter a number.' : validate(n);
    },
  });
}

type Split = NonNullable<PrepareOptionsInput['split']>;
type Image = NonNullable<PrepareOptionsInput['image']>;

export async function askPrepareOptions(last: PrepareOptionsInput): Promise<PrepareOptionsInput | undefined> {
  const o = prepareOptionsSchema.parse(last);

  // 1. Split
  const fr = (t: number, v: number, s: number): Split => ({ train: t, validation: v, test: s, seed: o.split.seed });
  const same = (a?: Split) => !!a && !o.split.counts && a.train === o.split.train && a.validation === o.split.validation && a.test === o.split.test;
  const splitChoice = await pick<Split>(1, 'Split (stratified by class)', [
    { label: '80 / 0 / 20', description: 'train / validation / test — as the reference study', value: fr(0.8, 0, 0.2) },
    { label: '70 / 10 / 20', description: 'keeps a validation file for the job', value: fr(0.7, 0.1, 0.2) },
    { label: '90 / 0 / 10', value: fr(0.9, 0, 0.1) },
    { label: 'Custom fractions…', custom: true },
    { label: 'Fixed counts per class…', description: 'e.g. 20 test and 5 validation images per class', custom: true },
  ], same);
  if (!splitChoice) return undefined;
  let split: Split | undefined = splitChoice.value;
  if (splitChoice.label.startsWith('Custom')) {
    const text = await vscode.window.showInputBox({
      title: 'Split fractions: train / validation / test',
      value: `${o.split.train} ${o.split.validation} ${o.split.test}`,
      ignoreFocusOut: true,
      validateInput: (t) => {
        const n = t.trim().split(/[\s/,]+/).map(Number);
        if (n.length !== 3 || n.some((x) => !Number.isFinite(x) || x < 0 || x > 1)) return 'Three fractions between 0 and 1, e.g. 0.7 0.1 0.2';
        return Math.abs(n[0]! + n[1]! + n[2]! - 1) > 1e-9 ? 'The three fractions must add up to 1.' : undefined;
      },
    });
    if (text === undefined) return undefined;
    const [t, v, s] = text.trim().split(/[\s/,]+/).map(Number);
    split = fr(t!, v!, s!);
  } else if (splitChoice.label.startsWith('Fixed')) {
    const text = await vscode.window.showInputBox({
      title: 'Images per class: validation and test (the rest is training)',
      value: `${o.split.counts?.validation ?? 0} ${o.split.counts?.test ?? 20}`,
      ignoreFocusOut: true,
      validateInput: (t) => (/^\s*\d+\s+\d+\s*$/.test(t) ? undefined : 'Two whole numbers: validation test, e.g. 0 20'),
    });
    if (text === undefined) return undefined;
    const [v, s] = text.trim().split(/\s+/).map(Number);
    split = { seed: o.split.seed, counts: { validation: v!, test: s! } };
  }

  // 2. Image size
  const img = (x: Partial<Image>): Image => ({ ...o.image, maxEdge: undefined, scale: 1, ...x });
  const sizeChoice = await pick<Image>(2, 'Image size (never upscaled)', [
    { label: 'Half size', description: '600×600 → 300×300, as the reference (380 tokens per image)', value: img({ scale: 0.5 }) },
    { label: 'Original size', description: 'more tokens per image; Mistral downscales past 1024 px', value: img({ scale: 1 }) },
    { label: 'Quarter size', description: '600×600 → 150×150', value: img({ scale: 0.25 }) },
    { label: 'Scale factor…', description: 'any factor from 0.05 to 1', custom: true },
    { label: 'Maximum edge…', description: 'longest edge in pixels', custom: true },
  ], (v) => !!v && v.scale === o.image.scale && !o.image.maxEdge);
  if (!sizeChoice) return undefined;
  let image = sizeChoice.value;
  if (sizeChoice.custom && sizeChoice.label.startsWith('Scale')) {
    const factor = await numberInput('Scale factor for both edges', String(o.image.scale), (n) => (n >= 0.05 && n <= 1 ? undefined : 'A number from 0.05 to 1 (images are never upscaled).'));
    if (factor === undefined) return undefined;
    image = img({ scale: Number(factor) });
  } else if (sizeChoice.custom) {
    const edge = await numberInput('Maximum edge in pixels', String(o.image.maxEdge ?? 512), (n) => (Number.isInteger(n) && n >= 16 && n <= 4096 ? undefined : 'A whole number from 16 to 4096.'));
    if (edge === undefined) return undefined;
    image = img({ maxEdge: Number(edge) });
  }

  // 3. Format
  const fmtChoice = await pick<Pick<Image, 'format' | 'quality'>>(3, 'Image format', [
    { label: 'JPEG, quality 90', description: 'as the reference', value: { format: 'jpeg', quality: 90 } },
    { label: 'JPEG, quality 75', description: 'smaller files, same token count', value: { format: 'jpeg', quality: 75 } },
    { label: 'PNG', description: 'lossless, much larger files', value: { format: 'png', quality: 90 } },
    { label: 'JPEG, other quality…', description: '1–100', custom: true },
  ], (v) => !!v && v.format === o.image.format && (v.format === 'png' || v.quality === o.image.quality));
  if (!fmtChoice) return undefined;
  let format = fmtChoice.value;
  if (fmtChoice.custom) {
    const q = await numberInput('JPEG quality', String(o.image.quality), (n) => (Number.isInteger(n) && n >= 1 && n <= 100 ? undefined : 'A whole number from 1 to 100.'));
    if (q === undefined) return undefined;
    format = { format: 'jpeg', quality: Number(q) };
  }
  if (!format) return undefined;

  // 4. Prompt template
  const tplChoice = await pick<string>(4, 'Prompt template (the class list is always filled in from the dataset)', [
    { label: 'reference', description: 'system prompt with the classes; fenced JSON answer {"image_description", "label"}', value: 'reference' },
    { label: 'compact', description: 'same class list; answer {"label"} only — fewer tokens', value: 'compact' },
    { label: 'Template file…', description: 'JSON with system, user, assistant and {classes}, {label} placeholders', custom: true },
  ], (v) => v === o.template);
  if (!tplChoice) return undefined;
  let template = tplChoice.value;
  if (tplChoice.custom) {
    const file = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Template (JSON)': ['json'] }, openLabel: 'Use Template' });
    if (!file?.[0]) return undefined;
    template = file[0].fsPath;
  }

  // 5. Seed
  const seed = await numberInput(`Generate Training Data (5/${STEPS}): random seed of the split`, String(o.split.seed), (n) => (Number.isInteger(n) ? undefined : 'A whole number.'));
  if (seed === undefined) return undefined;

  return prepareOptionsSchema.parse({
    ...o,
    split: { ...split, seed: Number(seed) },
    image: { ...image, ...format },
    template,
  });
}
