/** Peak memory of every process of the run, sampled from /proc/<pid>/status (VmHWM, VmRSS). */
import { readFileSync } from 'node:fs';
import { parseStatusBytes } from '../peers/proc.js';

export interface PeakMemory {
  /** Highest VmHWM of any incarnation, MiB. */
  peakHwmMb: number;
  /** Highest VmRSS seen in a sample, MiB. */
  peakRssMb: number;
  pids: number[];
}

export class MemorySampler {
  readonly peaks: Record<string, PeakMemory> = {};

  sample(processes: Record<string, number | undefined>): void {
    for (const [name, pid] of Object.entries(processes)) {
      if (pid === undefined) continue;
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        continue; // gone between listing and reading
      }
      const hwm = (parseStatusBytes(text, 'VmHWM') ?? 0) / 2 ** 20;
      const rss = (parseStatusBytes(text, 'VmRSS') ?? 0) / 2 ** 20;
      const p = (this.peaks[name] ??= { peakHwmMb: 0, peakRssMb: 0, pids: [] });
      p.peakHwmMb = Math.max(p.peakHwmMb, Math.round(hwm * 10) / 10);
      p.peakRssMb = Math.max(p.peakRssMb, Math.round(rss * 10) / 10);
      if (!p.pids.includes(pid)) p.pids.push(pid);
    }
  }
}
