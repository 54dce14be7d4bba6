/**
 * The replay's progress line on a terminal: a bar, records done of the total, the rate and the
 * time remaining, redrawn in place a few times a second. On anything but a TTY nothing is
 * drawn (logs and pipes get the summary only).
 */

export interface ProgressState {
  /** Records whose events are all indexed, already present or dead-lettered. */
  done: number;
  total: number;
  elapsedMs: number;
  /** False while Elasticsearch does not answer: the bulk driver is waiting it out. */
  reachable: boolean;
}

const BAR = 24;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatProgress(p: ProgressState): string {
  // `total` counts offsets, an upper bound on records: never show more than 100 %.
  const fraction = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
  const filled = Math.round(fraction * BAR);
  const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  const remaining = rate > 0 ? (p.total - p.done) / rate : Infinity;
  const n = (v: number): string => v.toLocaleString('en-US');
  const wait = p.reachable ? '' : '  (Elasticsearch unreachable, waiting)';
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%` +
    `  ${n(p.done)}/${n(p.total)} records  ${n(Math.round(rate))}/s  ${duration(Math.max(0, remaining))} left${wait}`
  );
}

export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Redraws `formatProgress` every `intervalMs` on a TTY; does nothing elsewhere. */
export class ProgressLine {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: ProgressOutput,
    private readonly state: () => ProgressState,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    if (this.out.isTTY !== true || this.#timer) return;
    this.#timer = setInterval(() => this.#draw(), this.intervalMs);
    this.#timer.unref();
  }

  /** Draws the final state and ends the line, so the summary starts on a line of its own. */
  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#draw();
    this.out.write('\n');
  }

  #draw(): void {
    // \r and erase-to-end-of-line: redraw in place, shorter lines leave nothing behind.
    this.out.write(`\r${formatProgress(this.state())}\x1b[K`);
  }
}
