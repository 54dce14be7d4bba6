/**
 * The chart of bench/results/peers.json as a plain SVG: one panel per figure (lines/s,
 * CPU-seconds per million lines, peak RSS), one horizontal bar per case (shipper and set)
 * at its median, with the value written beside it. No dependency: the SVG is text.
 */

export interface ChartCase {
  /** e.g. "kiver (kafkajs)". */
  label: string;
  /** e.g. "gzip". */
  set: string;
  /** Which family colours the bar: kiver, flume or rsyslog. */
  family: string;
  linesPerSecond: number | null;
  cpuSecondsPerMillionLines: number | null;
  peakRssMb: number | null;
}

interface Panel {
  title: string;
  value: (c: ChartCase) => number | null;
  format: (v: number) => string;
}

const PANELS: readonly Panel[] = [
  {
    title: 'lines per second (higher is better)',
    value: (c) => c.linesPerSecond,
    format: (v) => Math.round(v).toLocaleString('en-US'),
  },
  {
    title: 'CPU-seconds per million lines (lower is better)',
    value: (c) => c.cpuSecondsPerMillionLines,
    format: (v) => v.toFixed(2),
  },
  { title: 'peak RSS, MB (lower is better)', value: (c) => c.peakRssMb, format: (v) => v.toFixed(0) },
];

const COLOURS: Readonly<Record<string, string>> = {
  kiver: '#2b6cb0',
  flume: '#c05621',
  rsyslog: '#2f855a',
};

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const BAR_H = 16;
const GAP = 6;
const LABEL_W = 300;
const BAR_W = 420;
const VALUE_W = 90;
const PANEL_TITLE_H = 28;
const WIDTH = LABEL_W + BAR_W + VALUE_W + 20;

/** Renders the cases as an SVG document. Cases without a value for a panel get no bar there. */
export function renderSvg(cases: readonly ChartCase[], title: string, subtitle = ''): string {
  const rows = cases.length;
  const panelH = PANEL_TITLE_H + rows * (BAR_H + GAP) + 10;
  const top = subtitle ? 56 : 40;
  const height = top + PANELS.length * panelH + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  if (subtitle) out.push(`<text x="10" y="42" fill="#555555">${escapeXml(subtitle)}</text>`);
  PANELS.forEach((panel, p) => {
    const y0 = top + p * panelH;
    out.push(`<text x="10" y="${y0 + 18}" font-weight="bold">${escapeXml(panel.title)}</text>`);
    const values = cases.map((c) => panel.value(c));
    const max = Math.max(0, ...values.map((v) => v ?? 0));
    cases.forEach((c, i) => {
      const y = y0 + PANEL_TITLE_H + i * (BAR_H + GAP);
      const v = values[i];
      out.push(
        `<text x="${LABEL_W - 8}" y="${y + BAR_H - 4}" text-anchor="end">${escapeXml(`${c.label}, ${c.set}`)}</text>`,
      );
      if (v === null || v === undefined) {
        out.push(`<text x="${LABEL_W + 4}" y="${y + BAR_H - 4}" fill="#999999">no figure</text>`);
        return;
      }
      const w = max > 0 ? Math.max(1, Math.round((v / max) * BAR_W)) : 1;
      const colour = COLOURS[c.family] ?? '#718096';
      out.push(`<rect x="${LABEL_W}" y="${y}" width="${w}" height="${BAR_H}" fill="${colour}"/>`);
      out.push(`<text x="${LABEL_W + w + 6}" y="${y + BAR_H - 4}">${escapeXml(panel.format(v))}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
