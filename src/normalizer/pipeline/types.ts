/**
 * The shapes shared by the engine, the loader and the processors.
 */
import type { EcsDocument } from './document.js';
import type { MapReader, SourceFile, Node } from './yaml-reader.js';

/** How good the `@timestamp` a processor wrote is, for envelope and reroute precedence. */
export interface TimestampQuality {
  /** The text had a date, a year and a zone (nothing was completed or assumed). */
  exact: boolean;
  /** The instant written to `@timestamp`, ms. */
  ms: number;
}

/** Per-event state the processors may read and write. */
export interface EventContext {
  readonly collectedAt: number;
  /** The running pipeline's zone for zone-less timestamps. */
  readonly timezone: string;
  readonly path: string | undefined;
  readonly fields: Readonly<Record<string, string>> | undefined;
  dropped: boolean;
  /** Set by the processor that wrote `@timestamp`. */
  timestamp: TimestampQuality | undefined;
  /**
   * In a rerouted (inner) run: the `@timestamp` of the layer around this text, which completes
   * a partial inner time (no year, no date) instead of the collection time.
   */
  readonly outerTime: TimestampQuality | undefined;
  /**
   * Runs another pipeline on a text (reroute): the named one, or the one that claims the text;
   * provided by the engine.
   */
  readonly runInner: (
    text: string,
    exclude: ReadonlySet<string>,
    pipeline?: string,
  ) => InnerResult | undefined;
  /** Names of the pipelines on the current reroute chain, to stop loops. */
  readonly chain: readonly string[];
}

export interface InnerResult {
  doc: EcsDocument;
  pipeline: string;
  timestamp: TimestampQuality | undefined;
}

/** What a processor's run reports: nothing when it went well, else the failure reason. */
export type Outcome = undefined | string;

export interface Processor {
  run(doc: EcsDocument, ctx: EventContext): Outcome;
}

export type Condition = (doc: EcsDocument) => boolean;

/** One configured processor with its common options applied. */
export interface Step {
  readonly type: string;
  readonly label: string;
  readonly condition: Condition | undefined;
  readonly processor: Processor;
  readonly ignoreFailure: boolean;
  readonly onFailure: readonly Step[] | undefined;
}

/** What a processor factory gets at load time. */
export interface CompileContext {
  readonly source: SourceFile;
  readonly pipelineName: string;
  readonly timezone: string;
  compileSteps(node: Node, what: string): Step[];
  compileCondition(node: Node): Condition;
}

export type ProcessorFactory = (options: MapReader, ctx: CompileContext) => Processor;
