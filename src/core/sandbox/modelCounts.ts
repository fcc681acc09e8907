// Requests the sandbox answered per route and model ("POST /v1/chat/completions" → {"pixtral-12b-latest": 40},
// "batch" → lines of batch jobs), shown in /sandbox/stats so a test can prove that an interrupted and
// resumed prediction run asked no image twice.
const MAX_MODELS_PER_ROUTE = 1000;

export class ModelCounts {
  private readonly counts = new Map<string, Map<string, number>>();

  add(route: string, model: unknown): void {
    const byModel = this.counts.get(route) ?? new Map<string, number>();
    let name = typeof model === 'string' && model ? model.slice(0, 200) : '(none)';
    // Bounded like the request counts: a client cannot grow the stats without limit with made-up names.
    if (!byModel.has(name) && byModel.size >= MAX_MODELS_PER_ROUTE) name = '(other)';
    byModel.set(name, (byModel.get(name) ?? 0) + 1);
    this.counts.set(route, byModel);
  }

  snapshot(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.counts].map(([route, m]) => [route, Object.fromEntries(m)]));
  }

  clear(): void {
    this.counts.clear();
  }
}
