// The typed messages between the job-details webview and the extension host, validated with zod on
// both sides (a webview is a separate page: nothing it sends is trusted, and the host must not send
// it shapes it cannot draw). Only zod and types are imported here, so the webview bundle never pulls
// in core code; the type check below keeps this schema and the core's view model in step. zod/mini:
// the same validation as full zod; named imports let esbuild drop the rest (the page went from 550 kB to 115 kB).
import { array, boolean, discriminatedUnion, enum as oneOf, literal, nullable, number, object, optional, string, type infer as Infer } from 'zod/mini';
import type { JobDetailsModel } from '../core/jobs/jobDetailsModel';

const labelled = object({ label: string(), value: string() });
const nullableNumbers = array(nullable(number()));

export const jobDetailsModelSchema = object({
  id: string(),
  title: string(),
  status: string(),
  statusLabel: string(),
  statusIcon: string(),
  statusColor: optional(string()),
  active: boolean(),
  serverLabel: string(),
  isSandbox: boolean(),
  failure: optional(string()),
  summary: array(labelled),
  timeline: array(
    object({ label: string(), icon: string(), color: optional(string()), at: string(), duration: optional(string()), note: optional(string()) }),
  ),
  hyperparameters: array(labelled),
  files: array(labelled),
  costs: array(labelled),
  series: object({ steps: array(number()), trainLoss: nullableNumbers, validLoss: nullableNumbers, validAccuracy: nullableNumbers }),
  latest: optional(string()),
  canStart: boolean(),
  canCancel: boolean(),
  hasModel: boolean(),
  commands: optional(array(labelled)),
  notice: optional(string()),
  recorded: optional(boolean()),
});

// Fails to compile if the schema and the core's model drift apart (in either direction).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesModel: Same<Infer<typeof jobDetailsModelSchema>, JobDetailsModel> = true;
void schemaMatchesModel;

export const hostToWebviewSchema = discriminatedUnion('type', [
  object({ type: literal('job'), job: jobDetailsModelSchema }),
  object({ type: literal('error'), message: string() }),
]);
export type HostToWebview = Infer<typeof hostToWebviewSchema>;

export const JOB_ACTIONS = ['start', 'cancel', 'refresh', 'copyModelId'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export const webviewToHostSchema = discriminatedUnion('type', [
  object({ type: literal('ready') }),
  object({ type: literal('action'), action: oneOf(JOB_ACTIONS) }),
  // Copy one of the commands the page shows (the host copies only text it sent).
  object({ type: literal('copy'), text: string() }),
]);
export type WebviewToHost = Infer<typeof webviewToHostSchema>;
