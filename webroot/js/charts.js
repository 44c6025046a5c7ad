// Line charts with uPlot (served from its WebJar), coloured from the theme's CSS variables.
import uPlot from '/webjars/uplot/1.6.30/dist/uPlot.esm.js';
import { h } from './dom.js';
import { cssVar } from './theme.js';

/**
 * A chart in a new element. series: [{label, color (CSS variable name), values, format?}], x: unix seconds or
 * indexes. Returns {el, destroy}. Resizes with its container.
 */
export function lineChart({ title, x, series, height = 200, yFormat = (v) => v, xTime = true, onClick }) {
  const el = h('figure', { class: 'chart' }, h('figcaption', null, title));
  const box = h('div', { class: 'chart-box' });
  el.append(box);
  let plot = null;
  const make = () => {
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') } };
    const options = {
      width: Math.max(240, box.clientWidth || 600),
      height,
      scales: { x: { time: xTime } },
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      axes: [axis, { ...axis, values: (u, values) => values.map(yFormat), size: 60 }],
      series: [{ label: xTime ? 'time' : 'run' }, ...series.map((s) => ({
        label: s.label, stroke: cssVar(s.color), width: 2, points: { show: x.length < 60, size: 5 },
        value: (u, v) => (v == null ? '–' : yFormat(v)), spanGaps: true,
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
