/**
 * What a partial time (no year, no date) is completed from: the time of a layer around the text
 * when there is one — the header of a rerouted line (`EventContext.outerTime`), or a time an
 * earlier processor of the same pipeline already wrote for an outer layer (a journald header
 * parsed before the line it wraps) — else the collection time.
 */
import type { EventContext, TimestampQuality } from '../types.js';
import type { ResolveContext } from './timestamp.js';

export function resolveContextFor(
  event: Pick<EventContext, 'collectedAt' | 'outerTime'>,
  timezone: string,
  layer: TimestampQuality | undefined = event.outerTime,
): ResolveContext {
  return layer === undefined
    ? { collectedAt: event.collectedAt, timezone }
    : { collectedAt: layer.ms, timezone, fromLayer: true };
}
