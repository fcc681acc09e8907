// Builds JSONL lines without re-serialising the image: the JSON around the data URL is rendered
// once per class with a placeholder, and each line is prefix + data URL + suffix. Base64 and the
// "data:image/...;base64," header never need JSON escaping, so the result is byte-for-byte what
// JSON.stringify would produce, without copying a 50 kB string through the serializer per image.
import type { RenderedPrompt } from './promptTemplates';
import type { BatchRecord, FineTuningRecord } from './schemas';

const PLACEHOLDER = '\u0000IMAGE\u0000';

function userContent(prompt: RenderedPrompt, imageUrl: string) {
  return [...(prompt.user ? [{ type: 'text' as const, text: prompt.user }] : []), { type: 'image_url' as const, image_url: imageUrl }];
}

export function fineTuningRecord(prompt: RenderedPrompt, imageUrl: string): FineTuningRecord {
  return {
    messages: [
      { role: 'system', content: prompt.system },
      { role: 'user', content: userContent(prompt, imageUrl) },
      { role: 'assistant', content: prompt.assistant },
    ],
  };
}

export function batchRecord(customId: string, prompt: RenderedPrompt, imageUrl: string): BatchRecord {
  return {
    custom_id: customId,
    body: {
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: userContent(prompt, imageUrl) },
      ],
    },
  };
}

/** The line as [before, after] the data URL; the final "\n" is included in `after`. */
export function splitAroundImage(record: unknown): [string, string] {
  const json = JSON.stringify(record);
  const at = json.indexOf(JSON.stringify(PLACEHOLDER));
  return [json.slice(0, at + 1), json.slice(at + JSON.stringify(PLACEHOLDER).length - 1) + '\n'];
}

export function fineTuningLineParts(prompt: RenderedPrompt): [string, string] {
  return splitAroundImage(fineTuningRecord(prompt, PLACEHOLDER));
}

export function batchLineParts(customId: string, prompt: RenderedPrompt): [string, string] {
  return splitAroundImage(batchRecord(customId, prompt, PLACEHOLDER));
}
