// `POST /v1/chat/completions` of the sandbox, also used for every line of a batch job.
// Validates the request like the API (unknown keys → 422, last role → 400, unknown model → 400,
// retired model → 410) and answers with the sandbox's vision model.
import { createHash, randomUUID } from 'node:crypto';
import { RETIRED_MODELS, resolveBaseModel } from './modelCatalog';
import { decodeDataUrl, imageTokens, imageUrlOf, textTokens } from './trainingData';
import {
  baseModelLabel,
  classesFromPrompt,
  formatAnswer,
  imageFeatures,
  predictNearestCentroid,
  type CentroidModel,
} from './visionModel';
import { apiError, forbidExtraKeys, isRecord, nowSeconds, validationError } from './wire';

export interface TrainedModel {
  id: string;
  root: string;
  model: CentroidModel;
  fenced: boolean;
  descriptions: Record<string, string>;
}

const CHAT_KEYS = [
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'metadata',
  'response_format', 'tools', 'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction',
  'parallel_tool_calls', 'reasoning_effort', 'prompt_mode', 'guardrails', 'prompt_cache_key', 'service_tier', 'safe_prompt',
] as const;

const FALLBACK_CLASSES = ['forest', 'water', 'urban', 'desert', 'farmland'];

function texts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (Array.isArray(content)) return content.flatMap((c) => (isRecord(c) && typeof c.text === 'string' ? [c.text] : []));
  return [];
}

/** What a response_format asks for: JSON (no fence), and with a json_schema the label's enum, if any. */
interface AnswerConstraint {
  labels?: string[];
  description: boolean;
}

function answerConstraint(format: unknown): AnswerConstraint | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_object') return { description: true };
  if (format.type !== 'json_schema') return undefined;
  const wrapper = isRecord(format.json_schema) ? format.json_schema : undefined;
  const schema = wrapper && isRecord(wrapper.schema) ? wrapper.schema : undefined;
  if (!schema) throw validationError([{ loc: ['body', 'response_format', 'json_schema', 'schema'], msg: 'Field required', type: 'missing' }]);
  const props = isRecord(schema.properties) ? schema.properties : {};
  const label = isRecord(props.label) ? props.label : undefined;
  const labels = Array.isArray(label?.enum) ? label.enum.filter((x): x is string => typeof x === 'string') : undefined;
  return { labels: labels?.length ? labels : undefined, description: 'image_description' in props };
}

function constrainedAnswer(label: string, c: AnswerConstraint, description?: string): string {
  return JSON.stringify(c.description ? { image_description: description ?? `An aerial image that looks like ${label}.`, label } : { label });
}

function supportsVision(model: string, fineTuned: boolean): boolean {
  return fineTuned || resolveBaseModel(model)?.vision !== false;
}

export async function completeChat(body: unknown, lookupFineTuned: (id: string) => TrainedModel | undefined): Promise<Record<string, unknown>> {
  if (!isRecord(body)) throw validationError([{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }]);
  forbidExtraKeys(body, CHAT_KEYS);
  const model = body.model;
  if (typeof model !== 'string' || !model) throw validationError([{ loc: ['body', 'model'], msg: 'Field required', type: 'missing' }]);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw validationError([{ loc: ['body', 'messages'], msg: 'Field required', type: 'missing' }]);
  if (body.stream === true) throw apiError(400, 'Streaming is not supported by the Pixtune sandbox.');
  const last = messages[messages.length - 1];
  const lastRole = isRecord(last) ? last.role : undefined;
  if (!(lastRole === 'user' || lastRole === 'tool' || (lastRole === 'assistant' && isRecord(last) && last.prefix === true))) {
    throw apiError(400, `Expected last role User or Tool (or Assistant with prefix True) for serving but got ${String(lastRole)}`);
  }
  // Own properties only: a model called "constructor" is unknown, not retired on Object's constructor.
  const retiredOn = Object.hasOwn(RETIRED_MODELS, model) ? RETIRED_MODELS[model] : undefined;
  if (retiredOn) {
    throw apiError(410, `Model ${model} was retired on ${retiredOn} and is no longer available.`, 'invalid_model', '1500');
  }
  const trained = model.startsWith('ft:') ? lookupFineTuned(model) : undefined;
  const base = trained ? undefined : resolveBaseModel(model);
  if (!trained && !base) throw apiError(400, `Invalid model: ${model}`, 'invalid_model', '1500');

  let promptTokens = 0;
  const promptTexts: string[] = [];
  const images: string[] = [];
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m) || typeof m.role !== 'string') throw validationError([{ loc: ['body', 'messages', i, 'role'], msg: 'Field required', type: 'missing' }]);
    const t = texts(m.content);
    promptTexts.push(...(m.role === 'assistant' ? [] : t));
    promptTokens += t.reduce((s, x) => s + textTokens(x), 4);
    if (Array.isArray(m.content)) {
      for (const [k, chunk] of m.content.entries()) {
        const url = imageUrlOf(chunk);
        if (url === undefined) continue;
        if (!url) throw validationError([{ loc: ['body', 'messages', i, 'content', k, 'image_url'], msg: 'Field required', type: 'missing' }]);
        images.push(url);
      }
    }
  }

  const constraint = answerConstraint(body.response_format);
  let content: string;
  if (images.length === 0) {
    content = 'The Pixtune sandbox only answers questions about images: attach an image to the message.';
  } else {
    let decoded;
    try {
      decoded = await decodeDataUrl(images[images.length - 1]!);
    } catch (err) {
      throw apiError(400, `Image could not be read: ${(err as Error).message}.`);
    }
    promptTokens += imageTokens(decoded.width, decoded.height) * images.length;
    const features = await imageFeatures(decoded.bytes);
    const key = createHash('sha256').update(decoded.bytes).digest('hex');
    if (!supportsVision(model, trained !== undefined)) throw apiError(400, `Model ${model} does not accept images.`);
    if (trained) {
      let label = predictNearestCentroid(trained.model, features);
      // Constrained decoding can only emit a label of the schema's list.
      if (constraint?.labels && !constraint.labels.includes(label)) label = baseModelLabel(constraint.labels, features, key, false);
      content = constraint ? constrainedAnswer(label, constraint, trained.descriptions[label]) : formatAnswer(label, trained.fenced, trained.descriptions[label]);
    } else {
      const prompt = promptTexts.join('\n');
      const classes = constraint?.labels ?? classesFromPrompt(promptTexts);
      const label = baseModelLabel(classes.length ? classes : FALLBACK_CLASSES, features, key, !constraint?.labels);
      content = constraint ? constrainedAnswer(label, constraint) : formatAnswer(label, /image_description|```/.test(prompt));
    }
  }
  const completionTokens = textTokens(content);
  return {
    id: randomUUID().replace(/-/g, ''),
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, tool_calls: null, prefix: false }, finish_reason: 'stop' }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}
