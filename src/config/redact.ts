import { configSpec, type LeafSpec, type SectionSpec } from './spec.js';
import type { KiverConfig } from './types.js';

const HIDDEN = '(hidden)';

function redactSection(section: SectionSpec, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(section.fields) as [string, LeafSpec | SectionSpec][]) {
    const v = value[key];
    if (spec.type === 'section') out[key] = redactSection(spec, v as Record<string, unknown>);
    else if (spec.type === 'string' && spec.secret && v !== null) out[key] = HIDDEN;
    else out[key] = v;
  }
  return out;
}

/** A copy of the configuration safe to print or log: secrets replaced by "(hidden)". */
export function redactedConfig(config: KiverConfig): Record<string, unknown> {
  return redactSection(configSpec, config as unknown as Record<string, unknown>);
}
