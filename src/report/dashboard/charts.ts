// Charts as inline SVG, rendered in Node by Vega-Lite → Vega with the headless ('none')
// renderer: no canvas, no fonts read from the system (text is measured by Vega's estimator),
// so the same model always gives the same bytes.
//
// The page cannot re-render with Vega itself: Vega compiles its expressions with the Function
// constructor, which a strict Content-Security-Policy (no 'unsafe-eval') forbids. So every
// variant a filter can select is rendered here (docs/dashboard.md §charts): the repository and
// path-prefix filters pick a variant; the week filter and, on the repository chart, the
// repository filter dim the marks of the other weeks or repositories. Marks that the page dims
// carry `data-key` (`w3`, `r1w3`: indexes into the embedded week and repository lists).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Verdict } from '../../core/types.js';
import { VERDICTS } from '../../core/types.js';
import { visibleText } from '../escape.js';

/** Fixed chart geometry; the page scales the SVG to its container through the viewBox. */
const WIDTH = 560;
const HEIGHT = 200;

export const VERDICT_COLORS: Readonly<Record<Verdict, string>> = {
  attested: '#2e7d32',
  unattested: '#ef6c00',
  contradicted: '#c62828',
  clear: '#5b7fa6',
  uncertain: '#a0a0a0',
  skipped: '#6d6d6d',
};

const CONFIG = {
  background: null,
  font: 'sans-serif',
  view: { stroke: null },
  axisBand: { grid: false },
  axisDiscrete: { grid: false },
  axis: { grid: true, gridOpacity: 0.35, labelFontSize: 11, titleFontSize: 11, labelLimit: 240 },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', direction: 'horizontal', columns: 6, labelLimit: 240 },
} as const;

type Values = readonly Record<string, string | number>[];

async function toSvg(spec: Record<string, unknown>): Promise<string> {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: WIDTH, height: HEIGHT, config: CONFIG, ...spec } as unknown as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(full).spec), { renderer: 'none' });
  try {
    return compact(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Vega's SVG, smaller (every filter variant is embedded, so bytes count): the ARIA inside is
 * dropped (the page labels each chart as one image, role="img", with a table behind it), so are
 * empty background/foreground paths and attributes that restate SVG defaults; coordinates are
 * rounded to 0.1 px. Only markup inside tags is rewritten: Vega escapes `<`, `>`, `&` in text and
 * also `"` in attribute values, so a tag never starts or ends inside data. Our mark keys (`k:w3`, `k:r1w3`, never data)
 * become `data-key`, which the page selects on.
 */
export function compact(svg: string): string {
  return svg
    .replace(/<path class="(?:background|foreground)" aria-hidden="true" d="(?:M0,0h0v0h0Z)?"(?: pointer-events="none")?(?: display="none")?\/>/g, '')
    .replace(/<[^>]*>/g, (tag) => tag
      .replace(/ aria-label="k:([rw0-9]+)"/g, ' data-key="$1"')
      .replace(/ (?:role|aria-roledescription|aria-label|aria-hidden)="[^"]*"/g, '')
      .replace(/ (?:pointer-events="none"|opacity="1"|stroke-width="1"|stroke-miterlimit="4"|font-family="sans-serif")/g, '')
      // Text colour comes from the page's stylesheet (light and dark).
      .replace(/^(<text\b[^>]*?) fill="#000"/, '$1')
      .replace(/(\d+\.\d)\d+/g, '$1'));
}

/** Weekly stated vs unattested AI lines. Points carry `data-key="w<i>"`. */
export function trendChart(rows: readonly { week: string; statedAiLines: number; unattestedAiLines: number }[]): Promise<string> {
  const values: Values = rows.flatMap((r, i) => [
    { week: r.week, series: 'stated AI lines', lines: r.statedAiLines, k: `k:w${i}` },
    { week: r.week, series: 'unattested AI lines', lines: r.unattestedAiLines, k: `k:w${i}` },
  ]);
  return toSvg({
    data: { values },
    layer: [
      { mark: { type: 'line', strokeWidth: 2 } },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { description: { field: 'k' } } },
    ],
    encoding: {
      x: { field: 'week', type: 'ordinal', title: 'ISO week', sort: null, axis: { labelAngle: -40 } },
      y: { field: 'lines', type: 'quantitative', title: 'added lines' },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['stated AI lines', 'unattested AI lines'], range: ['#2e7d32', '#ef6c00'] } },
    },
  });
}

/** Added lines by verdict per week, stacked. Bars carry `data-key="w<i>"`. */
export function verdictChart(rows: readonly { week: string; linesByVerdict: Readonly<Record<Verdict, number>> }[]): Promise<string> {
  const values: Values = rows.flatMap((r, i) => VERDICTS.map((v) => ({ week: r.week, verdict: v, order: VERDICTS.indexOf(v), lines: r.linesByVerdict[v], k: `k:w${i}` })));
  return toSvg({
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'week', type: 'ordinal', title: 'ISO week', sort: null, axis: { labelAngle: -40 } },
      y: { field: 'lines', type: 'quantitative', title: 'added lines', stack: 'zero' },
      color: { field: 'verdict', type: 'nominal', title: 'verdict', scale: { domain: [...VERDICTS], range: VERDICTS.map((v) => VERDICT_COLORS[v]) } },
      order: { field: 'order', type: 'quantitative' },
      description: { field: 'k' },
    },
  });
}

/**
 * Gap lines per repository, stacked by week. Segments carry `data-key="r<i>w<j>"` with `i` the
 * index in `repositories` and `j` the index in `weeks`.
 */
export function gapsChart(rows: readonly { repository: string; week: string; gapLines: number }[], repositories: readonly string[], weeks: readonly string[]): Promise<string> {
  const values: Values = rows.map((r) => ({ repository: visibleText(r.repository), week: r.week, lines: r.gapLines, k: `k:r${repositories.indexOf(r.repository)}w${weeks.indexOf(r.week)}` }));
  return toSvg({
    height: Math.max(60, 34 * repositories.length),
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'repository', type: 'nominal', title: null, sort: repositories.map((r) => visibleText(r)), scale: { domain: repositories.map((r) => visibleText(r)) } },
      x: { field: 'lines', type: 'quantitative', title: 'gap lines (unattested + contradicted)', stack: 'zero' },
      color: { field: 'week', type: 'ordinal', title: 'week', scale: { domain: [...weeks], scheme: 'oranges' } },
      order: { field: 'week', type: 'ordinal' },
      description: { field: 'k' },
    },
  });
}

/** A horizontal bar chart of labelled values (evidence classes, agents, the people histogram). */
export function barChart(rows: readonly { label: string; value: number }[], valueTitle: string, color = '#5b7fa6'): Promise<string> {
  const values: Values = rows.map((r, i) => ({ label: `${visibleText(r.label)}`, order: i, value: r.value }));
  return toSvg({
    height: Math.max(40, 26 * rows.length),
    data: { values },
    mark: { type: 'bar', color },
    encoding: {
      y: { field: 'label', type: 'nominal', title: null, sort: { field: 'order' } },
      x: { field: 'value', type: 'quantitative', title: valueTitle },
    },
  });
}
