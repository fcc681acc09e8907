// `pixtune validate <file.jsonl>…`: stream-check fine-tuning or batch JSONL files before upload.
// Exit 0 when every file is valid, 1 with line-numbered errors otherwise.
import { UsageError } from '../core/errors';
import { validateJsonlFile, type JsonlValidation } from '../core/training/validateJsonl';
import { parseCliArgs, printJson, type Subcommand } from './common';

const HELP = `Usage: pixtune validate <file.jsonl> [more.jsonl …] [--kind finetune|batch|auto] [--max-errors N] [--json]

Checks every line: JSON, record shape, message roles and order, last message (assistant for
fine-tuning, user for batch), non-empty content, image payloads (base64 data URLs of JPEG, PNG,
WebP or single-frame GIF whose header is read and must match the declared type, or https URLs),
custom_ids that repeat in a batch file, and the 512 MB per-file upload limit. A leading UTF-8
byte-order mark is accepted.`;

export const validateCommand: Subcommand = async (argv, io) => {
  const { values: v, positionals } = parseCliArgs(argv, {
    kind: { type: 'string' },
    'max-errors': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    io.out(HELP);
    return 0;
  }
  if (!positionals.length) throw new UsageError('Missing the JSONL file to validate.');
  const kind = v.kind ?? 'auto';
  if (kind !== 'finetune' && kind !== 'batch' && kind !== 'auto') throw new UsageError(`--kind must be finetune, batch or auto, got "${kind}".`);
  const maxErrors = v['max-errors'] !== undefined ? Number(v['max-errors']) : 50;
  if (!Number.isInteger(maxErrors) || maxErrors < 1) throw new UsageError(`--max-errors expects a whole number ≥ 1, got "${v['max-errors']}".`);

  const results: (JsonlValidation & { file: string })[] = [];
  for (const file of positionals) results.push({ file, ...(await validateJsonlFile(file, { kind, signal: io.signal, maxErrors })) });
  const ok = results.every((r) => r.ok);
  if (v.json) {
    printJson(io, results.length === 1 ? results[0] : { ok, files: results });
  } else {
    for (const r of results) {
      if (r.ok) {
        io.out(`${r.file}: valid ${r.kind} file, ${r.lines.toLocaleString('en-US')} lines`);
        continue;
      }
      io.err(`${r.file}: ${r.errorCount} problem${r.errorCount === 1 ? '' : 's'} in ${r.lines.toLocaleString('en-US')} lines${r.kind ? ` (checked as ${r.kind})` : ''}`);
      for (const e of r.errors) io.err(`  ${e.line ? `line ${e.line}` : 'file'}: ${e.message}`);
      if (r.errorCount > r.errors.length) io.err(`  … and ${r.errorCount - r.errors.length} more`);
    }
  }
  return ok ? 0 : 1;
};
