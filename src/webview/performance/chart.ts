// One small SVG line chart: a series over the panel's 30-minute span, its threshold as a dashed line, axis
// labels. Built with DOM calls (no innerHTML of host data) and coloured by CSS classes (theme variables).
const SVG = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 110;
const PAD = { left: 36, right: 6, top: 8, bottom: 16 };

export interface ChartInput {
  title: string;
  unit: string;
  points: { at: number; value: number | null }[];
  from: number;
  to: number;
  threshold: number | null;
  /** Bars (counts per window) instead of a line. */
  bars?: boolean;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(0) : v.toFixed(1));

export function lineChart(input: ChartInput): HTMLElement {
  const box = document.createElement('figure');
  box.className = 'chart';
  const cap = document.createElement('figcaption');
  const values = input.points.map((p) => p.value).filter((v): v is number => v !== null);
  const last = values.length ? values[values.length - 1] : null;
  cap.textContent = `${input.title}${last === null ? ' — no data yet' : ` — latest ${fmt(last)} ${input.unit}`}`;
  box.appendChild(cap);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': cap.textContent });
  box.appendChild(svg);
  const top = Math.max(1, ...values, (input.threshold ?? 0) * 1.25);
  const x = (at: number) => PAD.left + ((at - input.from) / Math.max(1, input.to - input.from)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  el('line', { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, class: 'axis' }, svg);
  el('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom, class: 'axis' }, svg);
  el('text', { x: PAD.left - 4, y: PAD.top + 8, class: 'tick end' }, svg).textContent = fmt(top);
  el('text', { x: PAD.left - 4, y: H - PAD.bottom, class: 'tick end' }, svg).textContent = '0';
  el('text', { x: PAD.left, y: H - 3, class: 'tick' }, svg).textContent = '−30 min';
  el('text', { x: W - PAD.right, y: H - 3, class: 'tick end' }, svg).textContent = 'now';
  if (input.threshold !== null) {
    el('line', { x1: PAD.left, y1: y(input.threshold), x2: W - PAD.right, y2: y(input.threshold), class: 'threshold' }, svg);
    el('text', { x: W - PAD.right, y: y(input.threshold) - 3, class: 'tick end threshold-label' }, svg).textContent = `limit ${fmt(input.threshold)} ${input.unit}`;
  }
  const shown = input.points.filter((p): p is { at: number; value: number } => p.value !== null);
  if (input.bars) {
    for (const p of shown) if (p.value > 0) el('rect', { x: x(p.at) - 1.5, y: y(p.value), width: 3, height: H - PAD.bottom - y(p.value), class: 'bar' }, svg);
  } else if (shown.length) {
    const over = input.threshold !== null && shown.some((p) => p.value > input.threshold!);
    el('polyline', { points: shown.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' '), class: over ? 'series over' : 'series' }, svg);
    for (const p of shown) el('circle', { cx: x(p.at), cy: y(p.value), r: 1.6, class: input.threshold !== null && p.value > input.threshold ? 'dot over' : 'dot' }, svg);
  }
  return box;
}
