// Line charts with uPlot (served from its WebJar), coloured from the theme's CSS variables.
import uPlot from '/webjars/uplot/1.6.30/dist/uPlot.esm.js';
import { h } from './dom.js';
import { cssVar } from './theme.js';

/** An axis as wide as its longest label, so that no label is cut. */
const axisSize = (u, values) => (values && values.length ? Math.ceil(Math.max(...values.map((v) => String(v).length)) * 7.5) + 18 : 40);

/**
 * Short labels for the time axis, one line each, so that the first one is not cut at the chart's edge: dates when
 * the ticks are days apart, else hours and minutes (seconds only when they are seconds apart).
 */
const timeLabels = (u, splits, axisIdx, foundSpace, foundIncr) => {
  const day = foundIncr >= 86400;
  const format = new Intl.DateTimeFormat(undefined, day ? { month: 'short', day: 'numeric' }
    : { hour: '2-digit', minute: '2-digit', hour12: false, ...(foundIncr < 60 ? { second: '2-digit' } : {}) });
  return splits.map((s) => format.format(new Date(s * 1000)));
};

/**
 * A chart in a new element. series: [{label, color (CSS variable name), values, right?}], x: unix seconds or
 * indexes. Series with `right` are drawn on their own scale with an axis on the right (`y2Format`), so that measures
 * of different sizes can each be read. Returns {el, destroy}. Resizes with its container.
 */
export function lineChart({ title, x, series, height = 200, yFormat = (v) => v, y2Format = yFormat, y2Label, yLabel, xTime = true,
  onClick }) {
  const el = h('figure', { class: 'chart' }, h('figcaption', null, title));
  const box = h('div', { class: 'chart-box' });
  el.append(box);
  let plot = null;
  const make = () => {
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') } };
    const options = {
      width: Math.max(240, box.clientWidth || 600),
      height,
      scales: { x: { time: xTime }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] },
        y2: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      axes: [xTime ? { ...axis, values: timeLabels, space: 80 } : axis, { ...axis, scale: 'y', label: yLabel, values: (u, values) => values.map(yFormat), size: axisSize },
        ...(series.some((s) => s.right) ? [{ ...axis, scale: 'y2', side: 1, label: y2Label, grid: { show: false },
          values: (u, values) => values.map(y2Format), size: axisSize }] : [])],
      series: [{ label: xTime ? 'time' : 'run' }, ...series.map((s) => ({
        label: s.label, stroke: cssVar(s.color), width: 2, points: { show: x.length < 60, size: 5 }, scale: s.right ? 'y2' : 'y',
        value: (u, v) => (v == null ? '–' : (s.right ? y2Format : yFormat)(v)), spanGaps: true,
      }))],
    };
    if (plot) plot.destroy();
    plot = new uPlot(options, [x, ...series.map((s) => s.values)], box);
    if (onClick) {
      plot.over.addEventListener('click', () => {
        const index = plot.cursor.idx;
        if (index != null) onClick(index);
      });
    }
  };
  const resize = new ResizeObserver(() => {
    if (plot && box.clientWidth && Math.abs(plot.width - box.clientWidth) > 4) plot.setSize({ width: box.clientWidth, height });
  });
  const onTheme = () => make();
  requestAnimationFrame(() => {
    make();
    resize.observe(box);
  });
  window.addEventListener('runboard:theme', onTheme);
  return {
    el,
    destroy() {
      resize.disconnect();
      window.removeEventListener('runboard:theme', onTheme);
      if (plot) plot.destroy();
    },
  };
}
