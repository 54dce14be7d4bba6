/** A registry holding every metric the collector and a worker register, without running either. */
import type { Registry } from 'prom-client';
import { collectorMetrics } from '../../src/collector/collector-metrics.js';
import type { CollectorEvents } from '../../src/collector/events.js';
import { createNormalizerMetrics } from '../../src/normalizer/metrics.js';
import { createRegistry } from '../../src/observability/metrics-server.js';

export function registeredMetrics(): { registry: Registry; collector: CollectorEvents } {
  const registry = createRegistry();
  const collector = collectorMetrics(registry, {
    filesWatched: () => 0,
    filesOpen: () => 0,
    inFlightBytes: () => 0,
    kafkaUp: () => true,
    lags: () => [],
  });
  createNormalizerMetrics(registry);
  return { registry, collector };
}
