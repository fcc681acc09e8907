// The guided flow of "Generate Training Data": five short steps with the last answers (per dataset)
// preselected. Every step after the first has a Back button; a custom value's input box goes back to its
// step. Dismissing the flow (Escape) keeps the steps answered so far: the next run starts from them.
// The image-size step quotes the dataset's own tile size ("256×256 → 128×128").
import * as vscode from 'vscode';
import { prepareOptionsSchema, type PrepareOptions, type PrepareOptionsInput } from '../../core/training/prepareOptions';
import { describeResize } from '../../core/training/describeRunOptions';
import type { TileSize } from '../../core/dataset/usualTileSize';

const STEPS = 5;
const BACK = Symbol('back');
type Back = typeof BACK;
type Choice<T> = vscode.QuickPickItem & { value?: T; custom?: true };

/** One quick pick; resolves with the choice, BACK, or undefined when dismissed. */
async function pick<T>(step: number, title: string, items: Choice<T>[], current: (v: T | undefined) => boolean): Promise<Choice<T> | Back | undefined> {
  const qp = vscode.window.createQuickPick<Choice<T>>();
  qp.title = `Generate Training Data (${step}/${STEPS}): ${title}`;
  qp.items = items;
  qp.ignoreFocusOut = true;
  if (step > 1) qp.buttons = [vscode.QuickInputButtons.Back];
  const active = items.find((i) => !i.custom && current(i.value));
  if (active) qp.activeItems = [active];
  try {
    return await new Promise<Choice<T> | Back | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0] ?? qp.activeItems[0]));
      qp.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && resolve(BACK));
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
  } finally {
    qp.dispose();
  }
}

/** An input box with a Back button; resolves with the valid text, BACK (the button, or Escape unless escapeCancels), or undefined. */
async function input(title: string, value: string, validate: (text: string) => string | undefined, { escapeCancels = false } = {}): Promise<string | Back | undefined> {
  const box = vscode.window.createInputBox();
  box.title = title;
  box.value = value;
  box.ignoreFocusOut = true;
  box.buttons = [vscode.QuickInputButtons.Back];
  try {
    return await new Promise<string | Back | undefined>((resolve) => {
      box.onDidChangeValue((t) => (box.validationMessage = validate(t)));
      box.onDidAccept(() => {
        const problem = validate(box.value);
        box.validationMessage = problem;
        if (!problem) resolve(box.value);
      });
      box.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && resolve(BACK));
      // Escape in a custom value's box returns to the list it came from; only the seed step's Escape ends the flow.
      box.onDidHide(() => resolve(escapeCancels ? undefined : BACK));
      box.show();
    });
  } finally {
    box.dispose();
  }
}

const numberCheck = (validate: (n: number) => string | undefined) => (text: string) => {
  const n = Number(text);
  return text.trim() === '' || !Number.isFinite(n) ? 'Enter a number.' : validate(n);
};

type Split = PrepareOptions['split'];
type Image = PrepareOptions['image'];
/** A step updates the answers and moves on, goes BACK, or ends the flow (undefined). */
type Step = (o: PrepareOptions) => Promise<PrepareOptions | Back | undefined>;

const splitStep: Step = async (o) => {
  const fr = (t: number, v: number, s: number): Split => ({ train: t, validation: v, test: s, seed: o.split.seed });
  const same = (a?: Split) => !!a && !o.split.counts && a.train === o.split.train && a.validation === o.split.validation && a.test === o.split.test;
  for (;;) {
    const choice = await pick<Split>(1, 'Split (stratified by class)', [
      { label: '80 / 0 / 20', description: 'train / validation / test — as the reference study', value: fr(0.8, 0, 0.2) },
      { label: '70 / 10 / 20', description: 'keeps a validation file for the job', value: fr(0.7, 0.1, 0.2) },
      { label: '90 / 0 / 10', value: fr(0.9, 0, 0.1) },
      { label: 'Custom fractions…', custom: true },
      { label: 'Fixed counts per class…', description: 'e.g. 20 test and 5 validation images per class', custom: true },
    ], same);
    if (choice === BACK || choice === undefined) return choice;
    if (choice.value) return { ...o, split: choice.value };
    if (choice.label.startsWith('Custom')) {
      const text = await input('Split fractions: train / validation / test', `${o.split.train} ${o.split.validation} ${o.split.test}`, (t) => {
        const n = t.trim().split(/[\s/,]+/).map(Number);
        if (n.length !== 3 || n.some((x) => !Number.isFinite(x) || x < 0 || x > 1)) return 'Three fractions between 0 and 1, e.g. 0.7 0.1 0.2';
        return Math.abs(n[0]! + n[1]! + n[2]! - 1) > 1e-9 ? 'The three fractions must add up to 1.' : undefined;
      });
      if (text === BACK || text === undefined) continue;
      const [t, v, s] = text.trim().split(/[\s/,]+/).map(Number);
      return { ...o, split: fr(t!, v!, s!) };
    }
    const text = await input('Images per class: validation and test (the rest is training)', `${o.split.counts?.validation ?? 0} ${o.split.counts?.test ?? 20}`,
      (t) => (/^\s*\d+\s+\d+\s*$/.test(t) ? undefined : 'Two whole numbers: validation test, e.g. 0 20'));
    if (text === BACK || text === undefined) continue;
    const [v, s] = text.trim().split(/\s+/).map(Number);
    return { ...o, split: { ...o.split, counts: { validation: v!, test: s! } } };
  }
};

function sizeStep(usual: TileSize | undefined): Step {
  return async (o) => {
    const img = (x: Partial<Image>): Image => ({ ...o.image, maxEdge: undefined, scale: 1, ...x });
    // The dataset's own size when known; otherwise the reference's 600×600 AID tiles, said to be an example.
    const resize = (image: Image) => (usual ? describeResize(usual, image) : `e.g. ${describeResize({ width: 600, height: 600 }, image)}`);
    for (;;) {
      const half = img({ scale: 0.5 });
      const quarter = img({ scale: 0.25 });
      const choice = await pick<Image>(2, `Image size${usual ? ` (tiles are ${usual.width}×${usual.height})` : ''}, never upscaled`, [
        { label: 'Half size', description: `${resize(half)}, as the reference`, value: half },
        { label: 'Original size', description: `${usual ? `${usual.width}×${usual.height}; ` : ''}more tokens per image; Mistral downscales past 1024 px`, value: img({ scale: 1 }) },
        { label: 'Quarter size', description: resize(quarter), value: quarter },
        { label: 'Scale factor…', description: 'any factor from 0.05 to 1', custom: true },
        { label: 'Maximum edge…', description: 'longest edge in pixels', custom: true },
      ], (v) => !!v && v.scale === o.image.scale && !o.image.maxEdge);
      if (choice === BACK || choice === undefined) return choice;
      if (choice.value) return { ...o, image: choice.value };
      if (choice.label.startsWith('Scale')) {
        const factor = await input('Scale factor for both edges', String(o.image.scale), numberCheck((n) => (n >= 0.05 && n <= 1 ? undefined : 'A number from 0.05 to 1 (images are never upscaled).')));
        if (factor === BACK || factor === undefined) continue;
        return { ...o, image: img({ scale: Number(factor) }) };
      }
      const edge = await input('Maximum edge in pixels', String(o.image.maxEdge ?? 512), numberCheck((n) => (Number.isInteger(n) && n >= 16 && n <= 4096 ? undefined : 'A whole number from 16 to 4096.')));
      if (edge === BACK || edge === undefined) continue;
      return { ...o, image: img({ maxEdge: Number(edge) }) };
    }
  };
}

const formatStep: Step = async (o) => {
  for (;;) {
    const choice = await pick<Pick<Image, 'format' | 'quality'>>(3, 'Image format', [
      { label: 'JPEG, quality 90', description: 'as the reference', value: { format: 'jpeg', quality: 90 } },
      { label: 'JPEG, quality 75', description: 'smaller files, same token count', value: { format: 'jpeg', quality: 75 } },
      { label: 'PNG', description: 'lossless, much larger files', value: { format: 'png', quality: 90 } },
      { label: 'JPEG, other quality…', description: '1–100', custom: true },
    ], (v) => !!v && v.format === o.image.format && (v.format === 'png' || v.quality === o.image.quality));
    if (choice === BACK || choice === undefined) return choice;
    if (choice.value) return { ...o, image: { ...o.image, ...choice.value } };
    const q = await input('JPEG quality', String(o.image.quality), numberCheck((n) => (Number.isInteger(n) && n >= 1 && n <= 100 ? undefined : 'A whole number from 1 to 100.')));
    if (q === BACK || q === undefined) continue;
    return { ...o, image: { ...o.image, format: 'jpeg', quality: Number(q) } };
  }
};

const templateStep: Step = async (o) => {
  for (;;) {
    const choice = await pick<string>(4, 'Prompt template (the class list is always filled in from the dataset)', [
      { label: 'reference', description: 'system prompt with the classes; fenced JSON answer {"image_description", "label"}', value: 'reference' },
      { label: 'compact', description: 'same class list; answer {"label"} only — fewer tokens', value: 'compact' },
      { label: 'Template file…', description: 'JSON with system, user, assistant and {classes}, {label} placeholders', custom: true },
    ], (v) => v === o.template);
    if (choice === BACK || choice === undefined) return choice;
    if (choice.value) return { ...o, template: choice.value };
    const file = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Template (JSON)': ['json'] }, openLabel: 'Use Template' });
    if (file?.[0]) return { ...o, template: file[0].fsPath };
  }
};

const seedStep: Step = async (o) => {
  const seed = await input(`Generate Training Data (5/${STEPS}): random seed of the split`, String(o.split.seed),
    numberCheck((n) => (Number.isInteger(n) ? undefined : 'A whole number.')), { escapeCancels: true });
  if (seed === BACK || seed === undefined) return seed;
  return { ...o, split: { ...o.split, seed: Number(seed) } };
};

/**
 * Runs the steps; returns the validated options, or undefined when dismissed. `remember` is called with the
 * answers so far when the flow is dismissed part-way, so that they are preselected next time.
 */
export async function askPrepareOptions(last: PrepareOptionsInput, usualSize?: TileSize, remember?: (partial: PrepareOptionsInput) => Thenable<void>): Promise<PrepareOptionsInput | undefined> {
  const steps: Step[] = [splitStep, sizeStep(usualSize), formatStep, templateStep, seedStep];
  // Each step changes only its own fields, so one state serves both ways: Back preselects the earlier answer.
  let state = prepareOptionsSchema.parse(last);
  let i = 0;
  while (i < steps.length) {
    const result = await steps[i]!(state);
    if (result === undefined) {
      if (i > 0) await remember?.(state);
      return undefined;
    }
    if (result === BACK) {
      i = Math.max(0, i - 1);
      continue;
    }
    state = result;
    i++;
  }
  return prepareOptionsSchema.parse(state);
}
