// zod schemas of the JSONL records Mistral accepts: fine-tuning examples (one `{"messages": [...]}`
// per line) and Batch API requests (`{"custom_id", "body": {"messages": [...]}}`). They check
// shape only; order rules and image payloads are checked by validateJsonl.ts, which can say
// which message and which chunk is wrong.
import { z } from 'zod';

export const textChunkSchema = z.object({ type: z.literal('text'), text: z.string() });
export const imageUrlChunkSchema = z.object({
  type: z.literal('image_url'),
  // Mistral documents the plain string form for fine-tuning; the chat API also accepts {url, detail}.
  image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.enum(['low', 'auto', 'high']).optional() })]),
});
export const contentChunkSchema = z.discriminatedUnion('type', [textChunkSchema, imageUrlChunkSchema]);
export type ContentChunk = z.infer<typeof contentChunkSchema>;

const textOrTextChunks = z.union([z.string(), z.array(textChunkSchema)]);

export const systemMessageSchema = z.object({ role: z.literal('system'), content: textOrTextChunks });
export const userMessageSchema = z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(contentChunkSchema)]) });
export const assistantMessageSchema = z.object({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(textChunkSchema)]),
  /** Per-message loss weight; the fine-tuning validator accepts only 0 or 1. */
  weight: z.union([z.literal(0), z.literal(1)]).optional(),
});
export const messageSchema = z.discriminatedUnion('role', [systemMessageSchema, userMessageSchema, assistantMessageSchema]);
export type Message = z.infer<typeof messageSchema>;

export const fineTuningRecordSchema = z.object({ messages: z.array(messageSchema).min(2) });
export type FineTuningRecord = z.infer<typeof fineTuningRecordSchema>;

export const batchRecordSchema = z.object({
  custom_id: z.string().min(1),
  body: z
    .object({
      messages: z.array(messageSchema).min(1),
      max_tokens: z.number().int().positive().optional(),
      temperature: z.number().min(0).optional(),
      model: z.string().optional(),
    })
    .loose(),
});
export type BatchRecord = z.infer<typeof batchRecordSchema>;
