// Reads a class label out of a model's answer. Models answer in many shapes — a ```json fence (what
// the reference prompt asks for), bare JSON, JSON inside prose, or just the label — and name classes
// loosely ("dense residential" for DenseResidential). Matching ignores case, spaces and separators and
// nothing else: a label that is not one of the classes is an invalid answer, counted and shown, never
// silently mapped to the nearest class (that would hide exactly the invented labels we measure).

export interface ParsedAnswer {
  /** The class (spelled as in the class list), or null when the answer named none of them. */
  predicted: string | null;
  /** predicted is one of the classes. */
  valid: boolean;
  description?: string;
  /** A label could be read at all (false: empty answer, prose without a label, JSON without one). */
  parsed: boolean;
  /** The label as the model wrote it, when one was read (shown for invalid answers). */
  label?: string;
}

/** "Dense Residential", "dense_residential", "dense-residential" → "denseresidential". */
export function normalizeLabel(label: string): string {
  return label.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

const LABEL_KEYS = ['label', 'class', 'category', 'predicted_label', 'predicted_class', 'prediction', 'answer'];
const DESCRIPTION_KEYS = ['image_description', 'description'];

/** A label map for one class list: normalised form → class. Ambiguous forms (two classes) map to nothing. */
export function classMatcher(classes: string[]): (label: string) => string | null {
  const byForm = new Map<string, string | null>();
  for (const c of classes) {
    const form = normalizeLabel(c);
    byForm.set(form, byForm.has(form) && byForm.get(form) !== c ? null : c);
  }
  return (label) => {
    const exact = classes.includes(label) ? label : undefined;
    return exact ?? byForm.get(normalizeLabel(label)) ?? null;
  };
}

function pickString(obj: Record<string, unknown>, keys: string[]): string | undefined {
  const lower = new Map(Object.entries(obj).map(([k, v]) => [k.toLowerCase(), v]));
  for (const k of keys) {
    const v = lower.get(k);
    if (typeof v === 'string') return v;
  }
  return undefined;
}

function tryJson(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Balanced {...} spans of the text, outermost first, skipping braces inside strings. */
function jsonObjectSpans(text: string): string[] {
  const spans: string[] = [];
  for (let start = text.indexOf('{'); start >= 0 && spans.length < 20; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        spans.push(text.slice(start, i + 1));
        break;
      }
    }
  }
  return spans;
}

/** The JSON object the answer carries: in a fence, bare, or embedded in prose. */
function findJsonObject(raw: string): Record<string, unknown> | undefined {
  for (const m of raw.matchAll(/```[a-zA-Z]*[ \t]*\r?\n?([\s\S]*?)```/g)) {
    const obj = tryJson(m[1]!.trim()) ?? jsonObjectSpans(m[1]!).map(tryJson).find(Boolean);
    if (obj) return obj;
  }
  // An unterminated fence (the answer was cut off after the JSON): look inside it as well.
  const open = /```[a-zA-Z]*[ \t]*\r?\n?([\s\S]*)$/.exec(raw);
  const candidates = [raw.trim(), ...(open ? [open[1]!.trim()] : [])];
  for (const c of candidates) {
    const obj = tryJson(c);
    if (obj) return obj;
  }
  for (const span of jsonObjectSpans(raw)) {
    const obj = tryJson(span);
    if (obj && pickString(obj, LABEL_KEYS) !== undefined) return obj;
  }
  return undefined;
}

const PLAIN_PREFIX = /^(?:the\s+)?(?:final\s+)?(?:label|class|category|answer|prediction)\s*(?:is)?\s*[:=-]?\s*/i;

/** A plain-text answer reduced to the label it states: quotes, bold, a "Label:" prefix and a final period go. */
function plainLabel(raw: string): string | undefined {
  let t = raw.trim();
  if (!t || t.includes('\n') || t.length > 80) return undefined;
  t = t.replace(PLAIN_PREFIX, '').trim();
  t = t.replace(/^[*_`"'“”‘’\s]+|[*_`"'“”‘’\s.!]+$/g, '').trim();
  if (!t || t.split(/\s+/).length > 6) return undefined;
  // Only something that looks like a label: no brackets, braces or other markup left over.
  if (!/^[\p{L}\p{N}][\p{L}\p{N} _\-./&']*$/u.test(t)) return undefined;
  return t;
}

export function parseAnswer(raw: string, classes: string[]): ParsedAnswer {
  const match = classMatcher(classes);
  const obj = findJsonObject(raw);
  if (obj) {
    const label = pickString(obj, LABEL_KEYS);
    const description = pickString(obj, DESCRIPTION_KEYS);
    const withDescription = description !== undefined ? { description } : {};
    if (label === undefined) return { predicted: null, valid: false, parsed: false, ...withDescription };
    const predicted = match(label.trim());
    return { predicted, valid: predicted !== null, parsed: true, label, ...withDescription };
  }
  const label = plainLabel(raw);
  if (label === undefined) return { predicted: null, valid: false, parsed: false };
  const predicted = match(label);
  return { predicted, valid: predicted !== null, parsed: true, label };
}
