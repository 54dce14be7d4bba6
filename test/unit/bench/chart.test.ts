/** The SVG chart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, renderSvg, type ChartCase } from '../../../bench/peers/chart.js';

const cases: ChartCase[] = [
  {
    label: 'kiver',
    set: 'gzip',
    family: 'kiver',
    linesPerSecond: 200_000,
    cpuSecondsPerMillionLines: 4,
    peakRssMb: 80,
  },
  {
    label: 'Flume <1.11>',
    set: 'gzip',
    family: 'flume',
    linesPerSecond: 100_000,
    cpuSecondsPerMillionLines: 8,
    peakRssMb: null,
  },
];

test('escapeXml escapes markup characters', () => {
  assert.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
});

test('one bar per case and figure, scaled to the largest value in the panel', () => {
  const svg = renderSvg(cases, 'title & co', 'sub');
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  const bars = [...svg.matchAll(/<rect x="\d+" y="\d+" width="(\d+)" height="16" fill="(#[0-9a-f]{6})"\/>/g)];
  assert.equal(bars.length, 5, 'the missing RSS figure has no bar');
  assert.deepEqual(
    bars.map((b) => Number(b[1])),
    [420, 210, 210, 420, 420],
  );
  assert.equal(bars[0]![2], '#2b6cb0');
  assert.equal(bars[1]![2], '#c05621');
  assert.match(svg, /200,000/);
  assert.match(svg, /no figure/);
  assert.match(svg, /title &amp; co/);
  assert.match(svg, /Flume &lt;1\.11&gt;, gzip/);
});

test('an empty chart is still a valid document', () => {
  const svg = renderSvg([], 'nothing');
  assert.match(svg, /^<svg [^>]+>/);
  assert.doesNotMatch(svg, /<rect x="300"/);
});
