// Prompt templates: what the model is told (system), asked (user text next to the image) and
// taught to answer (assistant). The class list always comes from the dataset, never from the
// template, so a template cannot drift out of sync with the folders.
//
// A user template file is JSON:
//   { "system": "...{classes}...", "user": "optional text sent with the image",
//     "assistant": "...{label}..." }
// Placeholders: {classes} (class names joined by "; "), {label} (the image's class),
// {description} (the templated description, see describeClass). "user" may be "" or omitted.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from '../errors';

export const promptTemplateSchema = z.object({
  name: z.string().default('custom'),
  system: z.string().min(1),
  user: z.string().default(''),
  assistant: z.string().min(1).refine((s) => s.includes('{label}'), { message: 'the assistant answer must contain {label}' }),
}).refine((t) => t.system.includes('{classes}') || t.user.includes('{classes}'), {
  // Without it the model would be trained to pick labels it was never shown: the list must come from the dataset.
  message: 'the system (or user) text must contain {classes}, where the dataset\'s class list is filled in',
  path: ['system'],
});
export type PromptTemplate = z.infer<typeof promptTemplateSchema>;

export const CLASS_SEPARATOR = '; ';

/**
 * `reference` follows the reference study: describe, then answer with a fenced JSON object. For
 * training we need *some* description; a per-class templated sentence keeps the answer shape the
 * model will be asked for at evaluation time without inventing facts about individual images
 * (a wrong per-image caption would teach wrong content; a generic one teaches only the format).
 */
export const REFERENCE_TEMPLATE: PromptTemplate = {
  name: 'reference',
  system:
    'You are an expert in aerial and satellite image analysis. Classify the image into exactly one of these classes: {classes}.\n' +
    'First describe the image briefly, then answer with a JSON object in a ```json code block with the keys "image_description" and "label". ' +
    'The label must be one of the classes, spelled exactly as listed.',
  user: '',
  assistant: '```json\n{"image_description": "{description}", "label": "{label}"}\n```',
};

/** Same class list, shortest possible answer: fewer tokens to train and to predict. */
export const COMPACT_TEMPLATE: PromptTemplate = {
  name: 'compact',
  system: 'Classify the image into exactly one of these classes: {classes}.\nAnswer only with a JSON object {"label": "<class>"}.',
  user: '',
  assistant: '{"label": "{label}"}',
};

export const BUILTIN_TEMPLATES = { reference: REFERENCE_TEMPLATE, compact: COMPACT_TEMPLATE } as const;

/** "reference", "compact" or the path of a template file. */
export async function resolveTemplate(nameOrPath: string): Promise<PromptTemplate> {
  if (nameOrPath in BUILTIN_TEMPLATES) return BUILTIN_TEMPLATES[nameOrPath as keyof typeof BUILTIN_TEMPLATES];
  let text: string;
  try {
    text = await readFile(nameOrPath, 'utf8');
  } catch {
    throw new UserError(`Prompt template "${nameOrPath}" is neither "reference", "compact" nor a readable file.`, 'Pick a built-in template or give the path of a JSON template file.');
  }
  return parseTemplate(text, nameOrPath);
}

export function parseTemplate(text: string, source = 'template'): PromptTemplate {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`Prompt template ${source} is not valid JSON.`, 'Fix the file: it needs "system" and "assistant" strings.', String(err));
  }
  const parsed = promptTemplateSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new UserError(`Prompt template ${source} is invalid: ${first.path.join('.') || 'root'}: ${first.message}.`, 'It needs "system" and "assistant" strings; {classes} must appear in the system (or user) text and {label} in the assistant answer.');
  }
  return parsed.data;
}

/** The templated training description for an image of `label` (see REFERENCE_TEMPLATE for why it is generic). */
export function describeClass(label: string): string {
  return `An aerial image of ${label}.`;
}

export interface RenderedPrompt {
  system: string;
  /** Text sent next to the image, or '' for none. */
  user: string;
  /** The assistant answer for this label. */
  assistant: string;
}

const PLACEHOLDER = /("?)\{(classes|label|description)\}("?)/g;

/**
 * Replace placeholders. A placeholder written inside double quotes ("{label}") is inserted as a JSON
 * string, so a class named `a"b` still yields a valid JSON answer; a bare {label} is inserted as is.
 */
function fill(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (m, open: string, key: string, close: string) => {
    const v = values[key];
    if (v === undefined) return m;
    return open && close ? JSON.stringify(v) : open + v + close;
  });
}

export function renderPrompt(template: PromptTemplate, classes: readonly string[], label: string): RenderedPrompt {
  const values = { classes: classes.join(CLASS_SEPARATOR), label, description: describeClass(label) };
  return { system: fill(template.system, values), user: fill(template.user, values), assistant: fill(template.assistant, values) };
}
