/**
 * The engine: peel envelopes, choose a pipeline, run it, finish the document
 * (pipelines/README.md, "How a raw event is processed"). `process()` never throws.
 */
import { addTag, deleteAt, getAt, recordFailure, setAt, setPath, type EcsDocument } from './document.js';
import { truncateUtf8 } from '../../schema/utf8.js';
import { formatTimestamp } from './date/timestamp.js';
import { peelEnvelope, type Envelope } from './envelope/index.js';
import { PipelineSelector } from './matcher.js';
import type { CompiledPipeline } from './model.js';
import { runSteps } from './steps.js';
import type { EventContext, InnerResult, TimestampQuality } from './types.js';

export interface EngineInput {
  message: string;
  path?: string;
  host?: string;
  /** Collection time, ms since the epoch. */
  collectedAt: number;
  offset?: number;
  fields?: Record<string, string>;
  flags?: string[];
}

export interface EngineOutput {
  doc: EcsDocument;
  pipeline: string;
  dataset: string;
  failed: boolean;
  dropped: boolean;
}

export interface EngineOptions {
  keepEventOriginal: boolean;
  maxMessageBytes: number;
  timezone: string;
}

const FLAG_TAGS: Readonly<Record<string, string>> = {
  truncated: '_truncated',
  invalid_utf8: '_invalid_utf8',
  partial: 'partial',
};
const MAX_REROUTE_DEPTH = 4;

// Fixed paths, split once (finish() writes them for every event).
const AT_TIMESTAMP: readonly string[] = ['@timestamp'];
const AT_CONTAINER_ID: readonly string[] = ['container', 'id'];
const AT_CONTAINER_LABELS: readonly string[] = ['container', 'labels'];
const AT_EVENT_DATASET: readonly string[] = ['event', 'dataset'];
const AT_EVENT_ORIGINAL: readonly string[] = ['event', 'original'];
const AT_EVENT_TIMEZONE: readonly string[] = ['event', 'timezone'];
const AT_HOST_NAME: readonly string[] = ['host', 'name'];
const AT_KIVER_ENVELOPE_FAILURE: readonly string[] = ['kiver', 'envelope_failure'];
const AT_LOG_FILE_PATH: readonly string[] = ['log', 'file', 'path'];
const AT_LOG_FLAGS: readonly string[] = ['log', 'flags'];
const AT_LOG_OFFSET: readonly string[] = ['log', 'offset'];
const AT_SERVICE_NAME: readonly string[] = ['service', 'name'];
const AT_STREAM: readonly string[] = ['stream'];

export const GENERIC = 'generic';

function appendFlag(doc: EcsDocument, flag: string): void {
  const flags = getAt(doc, AT_LOG_FLAGS);
  if (Array.isArray(flags)) {
    if (!flags.includes(flag)) flags.push(flag);
  } else setAt(doc, AT_LOG_FLAGS, [flag]);
}

/** Per-event state; a class rather than an object literal with a closure, made per event. */
class EventState implements EventContext {
  readonly collectedAt: number;
  readonly path: string | undefined;
  readonly fields: Readonly<Record<string, string>> | undefined;
  dropped = false;
  timestamp: EventContext['timestamp'] = undefined;

  constructor(
    private readonly engine: Engine,
    private readonly input: EngineInput,
    readonly timezone: string,
    readonly chain: readonly string[],
    readonly outerTime: TimestampQuality | undefined,
  ) {
    this.collectedAt = input.collectedAt;
    this.path = input.path;
    this.fields = input.fields;
  }

  runInner(text: string, exclude: ReadonlySet<string>, pipeline?: string): InnerResult | undefined {
    const time = this.timestamp ?? this.outerTime;
    return this.engine.runInner(text, this.input, exclude, this.chain, time, pipeline);
  }
}

export class Engine {
  private readonly byName: ReadonlyMap<string, CompiledPipeline>;
  private readonly selector: PipelineSelector<CompiledPipeline>;
  private readonly generic: CompiledPipeline;

  constructor(
    readonly pipelines: readonly CompiledPipeline[],
    private readonly options: EngineOptions,
  ) {
    this.byName = new Map(pipelines.map((p) => [p.name, p]));
    const ordered = pipelines
      .map((p, order) => ({ p, order }))
      .filter(({ p }) => p.name !== GENERIC)
      .sort((a, b) => b.p.priority - a.p.priority || a.order - b.order)
      .map(({ p }) => p);
    this.selector = new PipelineSelector(ordered);
    this.generic = this.byName.get(GENERIC) ?? {
      name: GENERIC,
      file: '(built in)',
      description: 'fallback when no generic.yaml exists',
      priority: 0,
      dataset: GENERIC,
      timezone: options.timezone,
      match: { paths: undefined, fields: [], sniff: undefined },
      steps: [],
      tests: [],
    };
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  process(input: EngineInput, forced?: string): EngineOutput {
    try {
      return this.processEvent(input, forced);
    } catch (error) {
      // Last line of defence (guarantee 5): a bug in the engine still yields a document.
      const doc: EcsDocument = { message: String(input.message ?? '') };
      recordFailure(doc, `engine: ${(error as Error)?.message ?? String(error)}`);
      setPath(
        doc,
        '@timestamp',
        formatTimestamp(Number.isFinite(input.collectedAt) ? input.collectedAt : Date.now()),
      );
      addTag(doc, '_no_timestamp');
      return { doc, pipeline: GENERIC, dataset: GENERIC, failed: true, dropped: false };
    }
  }

  private processEvent(input: EngineInput, forced: string | undefined): EngineOutput {
    let raw = typeof input.message === 'string' ? input.message : String(input.message);
    const cut = truncateUtf8(raw, this.options.maxMessageBytes);
    if (cut !== undefined) raw = cut;

    const peeled = peelEnvelope(raw);
    const envelope: Envelope | undefined = peeled.kind === 'peeled' ? peeled.envelope : undefined;
    const text = envelope ? envelope.text : raw;
    const doc: EcsDocument = { message: text };
    // Known before the processors run, so that conditions can look at the file path.
    if (input.path) setAt(doc, AT_LOG_FILE_PATH, input.path);
    if (input.offset !== undefined) setAt(doc, AT_LOG_OFFSET, input.offset);

    let pipeline: CompiledPipeline;
    if (forced !== undefined) {
      pipeline = this.byName.get(forced) ?? this.generic;
      if (!this.byName.has(forced)) recordFailure(doc, `engine: no pipeline named '${forced}', generic used`);
    } else {
      pipeline = this.selector.select(text, input.path, input.fields) ?? this.generic;
    }

    const ctx = this.eventContext(input, pipeline, [pipeline.name], undefined);
    runSteps(pipeline.steps, doc, ctx);
    if (ctx.dropped)
      return { doc, pipeline: pipeline.name, dataset: pipeline.dataset, failed: false, dropped: true };

    if (cut !== undefined) addTag(doc, '_truncated');
    if (peeled.kind === 'corrupt') {
      addTag(doc, '_envelope_failure');
      setAt(doc, AT_KIVER_ENVELOPE_FAILURE, peeled.reason);
    }
    this.finish(doc, input, pipeline, raw, envelope, ctx);
    const dataset = String(getAt(doc, AT_EVENT_DATASET));
    const tags = doc['tags'];
    const failed = Array.isArray(tags) && tags.includes('_parse_failure');
    return { doc, pipeline: pipeline.name, dataset, failed, dropped: false };
  }

  private eventContext(
    input: EngineInput,
    pipeline: CompiledPipeline,
    chain: readonly string[],
    outerTime: TimestampQuality | undefined,
  ): EventContext {
    return new EventState(this, input, pipeline.timezone, chain, outerTime);
  }

  /** @internal Reroute: runs another pipeline on `text` (EventContext.runInner). */
  runInner(
    text: string,
    input: EngineInput,
    exclude: ReadonlySet<string>,
    chain: readonly string[],
    outerTime: TimestampQuality | undefined,
    forced?: string,
  ): InnerResult | undefined {
    if (chain.length >= MAX_REROUTE_DEPTH) return undefined;
    const skip = new Set([...exclude, ...chain]);
    const inner =
      forced !== undefined
        ? skip.has(forced)
          ? undefined
          : this.byName.get(forced)
        : this.selector.select(text, undefined, input.fields, skip);
    if (!inner) return undefined;
    const doc: EcsDocument = { message: text };
    if (input.path) setAt(doc, AT_LOG_FILE_PATH, input.path);
    const ctx = this.eventContext(input, inner, [...chain, inner.name], outerTime);
    runSteps(inner.steps, doc, ctx);
    if (getAt(doc, AT_EVENT_DATASET) === undefined) setAt(doc, AT_EVENT_DATASET, inner.dataset);
    return { doc, pipeline: inner.name, timestamp: ctx.timestamp };
  }

  private finish(
    doc: EcsDocument,
    input: EngineInput,
    pipeline: CompiledPipeline,
    raw: string,
    envelope: Envelope | undefined,
    ctx: EventContext,
  ): void {
    if (getAt(doc, AT_EVENT_DATASET) === undefined) setAt(doc, AT_EVENT_DATASET, pipeline.dataset);
    if (this.options.keepEventOriginal) {
      // `raw` is already cut to max_message_bytes; a pipeline may still have written its own.
      setAt(doc, AT_EVENT_ORIGINAL, raw);
    } else {
      const original = getAt(doc, AT_EVENT_ORIGINAL);
      if (typeof original === 'string') {
        const cutOriginal = truncateUtf8(original, this.options.maxMessageBytes);
        if (cutOriginal !== undefined) {
          setAt(doc, AT_EVENT_ORIGINAL, cutOriginal);
          addTag(doc, '_truncated');
        }
      }
    }
    if (input.host && getAt(doc, AT_HOST_NAME) === undefined) setAt(doc, AT_HOST_NAME, input.host);
    if (input.fields) {
      for (const [key, value] of Object.entries(input.fields)) {
        if (key === 'container_id') setAt(doc, AT_CONTAINER_ID, value);
        else if (key === 'service') {
          if (getAt(doc, AT_SERVICE_NAME) === undefined) setAt(doc, AT_SERVICE_NAME, value);
        } else setPath(doc, `labels.${key}`, value);
      }
    }
    for (const flag of input.flags ?? []) {
      const tag = FLAG_TAGS[flag];
      if (tag) addTag(doc, tag);
      else appendFlag(doc, flag); // e.g. `multiline`: informative, not a problem worth a tag
    }
    if (envelope) {
      if (envelope.stream) setAt(doc, AT_STREAM, envelope.stream);
      if (envelope.labels) setAt(doc, AT_CONTAINER_LABELS, envelope.labels);
      if (envelope.partial) addTag(doc, 'partial');
    }

    const envelopeTime = envelope?.timeMs;
    if (getAt(doc, AT_TIMESTAMP) === undefined) {
      if (envelopeTime !== undefined) setAt(doc, AT_TIMESTAMP, formatTimestamp(envelopeTime));
      else {
        setAt(doc, AT_TIMESTAMP, formatTimestamp(input.collectedAt));
        addTag(doc, '_no_timestamp');
      }
    } else if (envelopeTime !== undefined && ctx.timestamp !== undefined && !ctx.timestamp.exact) {
      // The envelope time is exact and zoned; the inner one lacked a date, year or zone.
      setAt(doc, AT_TIMESTAMP, formatTimestamp(envelopeTime));
      deleteAt(doc, AT_EVENT_TIMEZONE);
    }
  }
}
