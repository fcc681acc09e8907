// The models the sandbox serves: a few current vision models (pixtral accepts fine-tuning here, as
// it did before the retirement, so the whole loop can be rehearsed), the retired pixtral-12b-2409,
// and every model its jobs fine-tuned.
import { nowSeconds } from './wire';

export interface BaseModelSpec {
  id: string;
  aliases: string[];
  name: string;
  description: string;
  fineTuning: boolean;
  maxContext: number;
  /** False for a text-only model (default true), so clients can be tested on a model that cannot see. */
  vision?: boolean;
}

export const BASE_MODELS: BaseModelSpec[] = [
  { id: 'pixtral-12b-latest', aliases: ['pixtral-12b'], name: 'Pixtral 12B (sandbox)', description: 'Sandbox stand-in for Pixtral 12B: a small deterministic vision model.', fineTuning: true, maxContext: 131072 },
  { id: 'mistral-small-latest', aliases: ['mistral-small-2506'], name: 'Mistral Small (sandbox)', description: 'Sandbox stand-in for Mistral Small with vision.', fineTuning: false, maxContext: 131072 },
  { id: 'mistral-medium-latest', aliases: ['mistral-medium-2508'], name: 'Mistral Medium (sandbox)', description: 'Sandbox stand-in for Mistral Medium with vision.', fineTuning: false, maxContext: 131072 },
  { id: 'codestral-latest', aliases: ['codestral-2508'], name: 'Codestral (sandbox)', description: 'Sandbox stand-in for a text-only model: it refuses images.', fineTuning: false, maxContext: 131072, vision: false },
];

/** Retired ids: chat answers 410 naming the model, as a retired model would be refused. */
export const RETIRED_MODELS: Record<string, string> = { 'pixtral-12b-2409': '2025-12-31' };

export interface FineTunedModel {
  id: string;
  root: string;
  jobId: string;
  created: number;
}

const CREATED = 1_735_689_600; // 2025-01-01, a fixed date so listings are stable

function capabilities(vision: boolean, fineTuning: boolean) {
  return {
    completion_chat: true,
    function_calling: false,
    reasoning: false,
    completion_fim: false,
    fine_tuning: fineTuning,
    vision,
    ocr: false,
    classification: false,
    moderation: false,
    audio: false,
  };
}

export function resolveBaseModel(id: string): BaseModelSpec | undefined {
  return BASE_MODELS.find((m) => m.id === id || m.aliases.includes(id));
}

export function baseModelCard(m: BaseModelSpec) {
  return {
    id: m.id,
    object: 'model',
    created: CREATED,
    owned_by: 'mistralai',
    capabilities: capabilities(m.vision !== false, m.fineTuning),
    name: m.name,
    description: m.description,
    max_context_length: m.maxContext,
    aliases: m.aliases,
    deprecation: null,
    deprecation_replacement_model: null,
    default_model_temperature: 0.3,
    type: 'base',
  };
}

export function fineTunedModelCard(m: FineTunedModel) {
  return {
    id: m.id,
    object: 'model',
    created: m.created,
    owned_by: 'sandbox',
    capabilities: capabilities(true, false),
    name: m.id,
    description: `Fine-tuned from ${m.root} by sandbox job ${m.jobId}.`,
    max_context_length: 131072,
    aliases: [],
    deprecation: null,
    type: 'fine-tuned',
    job: m.jobId,
    root: m.root,
    archived: false,
  };
}

export function fineTunedModelId(base: string, suffix: string | undefined, jobId: string, at = nowSeconds()): string {
  const d = new Date(at * 1000);
  const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `ft:${base}:${suffix || 'sandbox0'}:${ymd}:${jobId.replace(/-/g, '').slice(0, 8)}`;
}
