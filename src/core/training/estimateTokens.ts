// Token and cost estimates, computed before anything is uploaded.
//
// Images: Pixtral cuts an image into 16×16 px patches, one token per patch plus one break token
// per row of patches (the last becomes the end token); images over 1024 px on the long edge are
// downscaled by the service first. 300×300 → 19 rows × (19 + 1) = 380 tokens.
//
// Text: no tokenizer is available offline, so text is estimated from its pieces: each run of
// letters costs about one token per 6 characters (at least one), digits one token each (Tekken
// splits numbers into digits), other symbols one token each, newlines one token, spaces folded
// into the following word. Calibrated against a billed run: 8,000 examples of the reference prompt
// with the 30 AID classes at 300×300 were billed 4,468,728 data tokens (≈ 559 per example); the
// unit test holds this estimate within 10% of that.
import type { RenderedPrompt } from './promptTemplates';

export const PATCH_SIZE = 16;
export const MAX_IMAGE_EDGE = 1024;
/** Control tokens around one example: <s>, [INST], [/INST], </s>. */
export const EXAMPLE_OVERHEAD_TOKENS = 4;
/** Tokens per letter run of this many characters. */
const CHARS_PER_WORD_TOKEN = 6;

export function imageTokens(width: number, height: number, maxEdge = MAX_IMAGE_EDGE): number {
  const ratio = Math.max(width, height) / maxEdge;
  if (ratio > 1) {
    width = Math.round(width / ratio);
    height = Math.round(height / ratio);
  }
  const cols = Math.ceil(width / PATCH_SIZE);
  const rows = Math.ceil(height / PATCH_SIZE);
  return rows * (cols + 1);
}

const PIECE = /\p{L}+|\p{N}|\n|[^\s\p{L}\p{N}]/gu;

export function textTokens(text: string): number {
  let n = 0;
  for (const m of text.matchAll(PIECE)) {
    const piece = m[0];
    n += /^\p{L}/u.test(piece) ? Math.max(1, Math.ceil(piece.length / CHARS_PER_WORD_TOKEN)) : 1;
  }
  return n;
}

/** Tokens of one training example (system + user text + image + answer), as billed for training data. */
export function exampleTokens(prompt: RenderedPrompt, image: { width: number; height: number }): number {
  return EXAMPLE_OVERHEAD_TOKENS + textTokens(prompt.system) + textTokens(prompt.user) + imageTokens(image.width, image.height) + textTokens(prompt.assistant);
}

/** Tokens of one inference request (no answer), e.g. a line of the test batch. */
export function requestTokens(prompt: Pick<RenderedPrompt, 'system' | 'user'>, image: { width: number; height: number }): number {
  return EXAMPLE_OVERHEAD_TOKENS - 1 + textTokens(prompt.system) + textTokens(prompt.user) + imageTokens(image.width, image.height);
}

export interface CostEstimate {
  /** Tokens of one pass over the training file. */
  dataTokens: number;
  epochs: number;
  /** dataTokens × epochs: what training is billed on. */
  trainTokens: number;
  pricePerMillion: number;
  cost: number;
}

/** Reference: 8,937,456 train tokens (2 epochs) cost 17.88 USD, i.e. 2 USD per million tokens. */
export function estimateCost(dataTokens: number, epochs: number, pricePerMillion: number): CostEstimate {
  const trainTokens = dataTokens * epochs;
  return { dataTokens, epochs, trainTokens, pricePerMillion, cost: Math.round((trainTokens / 1e6) * pricePerMillion * 100) / 100 };
}

export interface TokenEstimateInput {
  prompt: (label: string) => RenderedPrompt;
  examples: Iterable<{ class: string; width: number; height: number }>;
}

/** Sum of exampleTokens over a split; per-label prompt text is tokenised once. */
export function estimateTokens(input: TokenEstimateInput): { examples: number; tokens: number } {
  const textCache = new Map<string, number>();
  let tokens = 0;
  let examples = 0;
  for (const ex of input.examples) {
    let text = textCache.get(ex.class);
    if (text === undefined) {
      const p = input.prompt(ex.class);
      text = EXAMPLE_OVERHEAD_TOKENS + textTokens(p.system) + textTokens(p.user) + textTokens(p.assistant);
      textCache.set(ex.class, text);
    }
    tokens += text + imageTokens(ex.width, ex.height);
    examples++;
  }
  return { examples, tokens };
}
