/** What peeling a container envelope yields. */
export interface Envelope {
  /** The inner text, parts joined. */
  text: string;
  stream?: string;
  /** The first part's time, exact and zoned (ms). */
  timeMs?: number;
  /** Docker `attrs`. */
  labels?: Record<string, string>;
  /** The event ended on a part without its final piece (CRI `P`, Docker part without `\n`). */
  partial: boolean;
  /** Some line of the envelope lacked a time (Docker). */
  missingTime: boolean;
}

export type PeelResult =
  { kind: 'none' } | { kind: 'peeled'; envelope: Envelope } | { kind: 'corrupt'; reason: string };
