// Messages between the record-preview webview and the extension host, validated with zod/mini on both sides.
// Only types come from core (the bundle never pulls core code in); the check below keeps this schema and the
// core's RecordPreview in step.
import { array, boolean, discriminatedUnion, enum as oneOf, literal, number, object, optional, string, type infer as Infer } from 'zod/mini';
import type { RecordPreview } from '../../core/training/recordPreview';

export const recordPreviewSchema = object({
  line: number(),
  totalLines: number(),
  kind: oneOf(['fine-tuning example', 'batch request', 'unknown']),
  customId: optional(string()),
  messages: array(object({ role: string(), text: string(), images: array(string()), unshown: array(string()) })),
  answer: optional(object({ label: optional(string()), description: optional(string()), inClassList: boolean() })),
  problem: optional(string()),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesModel: Same<Infer<typeof recordPreviewSchema>, RecordPreview> = true;
void schemaMatchesModel;

export const recordHostMessageSchema = discriminatedUnion('type', [
  object({
    type: literal('record'),
    fileName: string(),
    record: recordPreviewSchema,
    /** The dataset image this line was made from and its class, from the run's manifest. */
    source: optional(object({ path: string(), class: string() })),
  }),
  object({ type: literal('error'), message: string() }),
]);
export type RecordHostMessage = Infer<typeof recordHostMessageSchema>;

export const recordPageMessageSchema = discriminatedUnion('type', [
  object({ type: literal('ready') }),
  /** Show this 1-based line. */
  object({ type: literal('show'), line: number() }),
  object({ type: literal('openRaw') }),
]);
export type RecordPageMessage = Infer<typeof recordPageMessageSchema>;
