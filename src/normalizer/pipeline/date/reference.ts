/**
 * What a partial time is completed from: the time of the layer around the text when there is
 * one (a syslog header around a daemon line), else the collection time.
 */
import type { EventContext } from '../types.js';
import type { ResolveContext } from './timestamp.js';

export function resolveContextFor(
  event: Pick<EventContext, 'collectedAt' | 'outerTime'>,
  timezone: string,
): ResolveContext {
  const outer = event.outerTime;
  return outer === undefined
    ? { collectedAt: event.collectedAt, timezone }
    : { collectedAt: outer.ms, timezone, fromLayer: true };
}
