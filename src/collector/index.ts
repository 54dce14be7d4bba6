/** The collector's public surface: the loop, its events, and the stages `kiver parse` reuses. */
export { Collector, type CollectorOptions, type CollectorStats } from './collector.js';
export { type CollectorEvents, noopEvents, fanOut } from './events.js';
export { collectorMetrics } from './collector-metrics.js';
export { loggingEvents } from './log-events.js';
export { CollectorHealth } from './health.js';
export { MultilineJoiner, DEFAULT_MULTILINE_RULE, ruleForPath, type EventSink } from './multiline.js';
export { parseEnvelope, type Envelope } from './envelope.js';
export { checkCollectorConfig } from './config-check.js';
