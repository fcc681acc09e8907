// The base models offered for a vision fine-tune, from the server's model list (never a hard-coded
// id: models are renamed and retired). Fine-tunable vision models first, then other vision models
// (the service decides whether it accepts them), then the rest; fine-tuned models and archived or
// deprecated ones are left out, and aliases are not listed twice.

export interface ModelCardLike {
  id: string;
  type?: string | null;
  archived?: boolean | null;
  deprecation?: Date | string | null;
  aliases?: string[] | null;
  name?: string | null;
  description?: string | null;
  capabilities?: { fineTuning?: boolean | null; vision?: boolean | null; fine_tuning?: boolean | null } | null;
}

export interface BaseModelChoice {
  id: string;
  name?: string;
  fineTunable: boolean;
  vision: boolean;
  /** One line for the quick pick. */
  detail: string;
}

export function baseModelChoices(cards: readonly ModelCardLike[], nowMs = Date.now()): BaseModelChoice[] {
  const seen = new Set<string>();
  const out: BaseModelChoice[] = [];
  for (const c of cards) {
    if (c.type === 'fine-tuned' || c.archived) continue;
    const deprecation = c.deprecation ? new Date(c.deprecation).getTime() : undefined;
    if (deprecation !== undefined && deprecation <= nowMs) continue;
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    for (const a of c.aliases ?? []) seen.add(a);
    const fineTunable = Boolean(c.capabilities?.fineTuning ?? c.capabilities?.fine_tuning);
    const vision = Boolean(c.capabilities?.vision);
    const detail = [fineTunable ? 'fine-tunable' : 'fine-tuning not advertised', vision ? 'vision' : 'no vision input'].join(' · ');
    out.push({ id: c.id, name: c.name ?? undefined, fineTunable, vision, detail });
  }
  const rank = (m: BaseModelChoice) => (m.fineTunable && m.vision ? 0 : m.vision ? 1 : m.fineTunable ? 2 : 3);
  return out.sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}
