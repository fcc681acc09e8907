// Fault injection for the sandbox, so tests (and curious users) can see how the client copes with
// rate limits, server errors, slow answers and dropped connections.
//
// Spec (CLI `--faults`, comma-separated): `<kind>:<path pattern>:<count>[:<value>]`
//   429:/v1/models:2        the first 2 matching requests get 429 with Retry-After (value = seconds, default 1)
//   500:/v1/files*:1        the first matching request gets HTTP 500 (any 5xx code works: 502, 503, …)
//   delay:/v1/chat/*:3:2000 the first 3 matching requests are answered 2000 ms late
//   drop:/v1/models:1       the first matching request has its socket destroyed without an answer
// `count` may be `*` (every request). `*` in the pattern matches any characters (including '/').
// Patterns match the request path without the query string.
import { UsageError } from '../errors';

export type FaultKind = 'status' | 'delay' | 'drop';

export interface FaultRule {
  kind: FaultKind;
  /** For 'status': the HTTP status to answer (429, 500, 503, …). */
  status?: number;
  pattern: string;
  /** How many matching requests this rule affects; Infinity for all. */
  count: number;
  /** 429: Retry-After seconds (default 1). delay: milliseconds. */
  value?: number;
  /** Optional HTTP method restriction (programmatic API only). */
  method?: string;
}

export interface FaultDecision {
  rule: FaultRule;
}

export function parseFaultSpec(spec: string): FaultRule[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      const [kind, pattern, count, value, ...rest] = part.split(':');
      if (!kind || !pattern || rest.length || !pattern.startsWith('/')) {
        throw new UsageError(`Bad fault "${part}": expected <429|5xx|delay|drop>:<path>:<count>[:<value>].`);
      }
      const n = count === undefined || count === '' || count === '*' ? Infinity : Number(count);
      if (!(n > 0)) throw new UsageError(`Bad fault "${part}": the count must be a positive number or *.`);
      const v = value === undefined ? undefined : Number(value);
      if (v !== undefined && !Number.isFinite(v)) throw new UsageError(`Bad fault "${part}": the value must be a number.`);
      if (/^\d{3}$/.test(kind)) return { kind: 'status', status: Number(kind), pattern, count: n, value: v } satisfies FaultRule;
      if (kind === 'delay' || kind === 'slow') return { kind: 'delay', pattern, count: n, value: v ?? 1000 } satisfies FaultRule;
      if (kind === 'drop') return { kind: 'drop', pattern, count: n } satisfies FaultRule;
      throw new UsageError(`Bad fault "${part}": unknown kind "${kind}" (use 429, 500, 503, delay or drop).`);
    });
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Hands out faults in order; each rule is used up after `count` matching requests. */
export class FaultInjector {
  private readonly rules: { rule: FaultRule; re: RegExp; used: number }[] = [];

  constructor(rules: FaultRule[] = []) {
    for (const r of rules) this.add(r);
  }

  add(rule: FaultRule): void {
    this.rules.push({ rule, re: patternToRegExp(rule.pattern), used: 0 });
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** The fault for this request, if any; consumes one use of the first matching rule. */
  take(method: string, path: string): FaultRule | undefined {
    for (const r of this.rules) {
      if (r.used >= r.rule.count) continue;
      if (r.rule.method && r.rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!r.re.test(path)) continue;
      r.used++;
      return r.rule;
    }
    return undefined;
  }
}
