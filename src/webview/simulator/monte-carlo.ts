// Monte-Carlo results: one column per plan with its figures, a histogram of leaderless time per run (the
// same scale for every plan, p95 marked), and a button that replays the plan's worst seed.
import type { MonteCarloView, PlanSummary } from '../../extension/simulator/protocol';
import { el, fmtMs, svg } from './dom';

function niceCeil(x: number): number {
  if (x <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** Histogram of a plan's leaderless time per run, x from 0 to maxX ms. */
export function chart(plan: PlanSummary, maxX: number, id: string): SVGSVGElement {
  const W = 560; const H = 160; const left = 8; const top = 22; const bottom = 20; const bins = 24;
  const counts = new Array<number>(bins).fill(0);
  for (const v of plan.perRun) counts[Math.min(bins - 1, Math.floor((v / maxX) * bins))]++;
  const maxCount = Math.max(1, ...counts);
  const s = svg('svg', { class: 'chart', id, viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `Histogram of leaderless time per run for ${plan.label}: ${plan.runs} runs, p50 ${fmtMs(plan.leaderlessMs.p50)}, p95 ${fmtMs(plan.leaderlessMs.p95)}, max ${fmtMs(plan.leaderlessMs.max)}` });
  const plotW = W - left - 8;
  const plotH = H - bottom - top;
  const bw = plotW / bins;
  counts.forEach((c, i) => {
    if (!c) return;
    const h = Math.max(1, (c / maxCount) * plotH);
    const bar = svg('rect', { class: 'bar', x: (left + i * bw + 1).toFixed(1), y: (top + plotH - h).toFixed(1), width: (bw - 2).toFixed(1), height: h.toFixed(1) });
    const tip = svg('title');
    tip.textContent = `${c} run(s) with ${fmtMs((i * maxX) / bins)} – ${fmtMs(((i + 1) * maxX) / bins)} leaderless`;
    bar.append(tip);
    s.append(bar);
  });
  s.append(svg('line', { class: 'axis', x1: left, y1: top + plotH, x2: W - 8, y2: top + plotH }));
  const p95x = left + Math.min(1, plan.leaderlessMs.p95 / maxX) * plotW;
  s.append(svg('line', { class: 'p95', x1: p95x.toFixed(1), y1: top - 4, x2: p95x.toFixed(1), y2: top + plotH }));
  const text = (x: number, y: number, str: string, anchor = 'middle') => {
    const t = svg('text', { x, y, 'text-anchor': anchor });
    t.textContent = str;
    s.append(t);
  };
  text(left, H - 5, '0', 'start');
  text(left + plotW / 2, H - 5, fmtMs(maxX / 2));
  text(W - 8, H - 5, fmtMs(maxX), 'end');
  text(left, 13, `leaderless time per run (tallest bar: ${maxCount} of ${plan.runs} runs)`, 'start');
  text(Math.min(p95x + 3, W - 30), top + 8, 'p95', 'start');
  return s;
}

export type ReplayRequest = (view: MonteCarloView, plan: PlanSummary) => void;

export class MonteCarloSummaryView {
  readonly progress = el('div', { id: 'mc-progress', class: 'muted', 'aria-live': 'polite' });
  readonly summary = el('div', { id: 'mc-summary' });

  constructor(private readonly onReplay: ReplayRequest) {}

  showProgress(title: string, done: number, total: number): void {
    this.progress.replaceChildren(el('span', {}, `${title}: `), el('progress', { max: total, value: done, 'aria-label': 'Monte-Carlo progress' }), ` ${done}/${total}`);
  }

  render(view: MonteCarloView | null): void {
    this.summary.replaceChildren();
    if (!view) { this.summary.removeAttribute('data-runs'); return; }
    this.progress.textContent = `${view.title}: done.`;
    this.summary.setAttribute('data-runs', String(view.plans.reduce((a, p) => a + p.runs, 0)));
    const maxX = niceCeil(Math.max(1, ...view.plans.flatMap((p) => p.perRun)));
    const cols = el('div', { class: 'plans' });
    view.plans.forEach((p, i) => cols.append(this.plan(view, p, i, maxX)));
    const rules = view.plans[0]?.rules;
    this.summary.append(el('h3', {}, view.title));
    if (rules) this.summary.append(el('p', { id: 'mc-rules', class: 'muted' }, `Rules: ${rules}.`));
    this.summary.append(cols);
  }

  private plan(view: MonteCarloView, p: PlanSummary, i: number, maxX: number): HTMLElement {
    const suffix = i === 0 ? '' : `-${i + 1}`;
    const dist = (d: PlanSummary['leaderlessMs']) => `p50 ${fmtMs(d.p50)} · p95 ${fmtMs(d.p95)} · max ${fmtMs(d.max)}`;
    const replay = el('button', { id: `replay-worst${suffix}`, class: 'replay-worst', 'data-plan': p.key, 'data-seed': p.worstSeed,
      onclick: () => this.onReplay(view, p) }, `Replay worst seed ${p.worstSeed} (${fmtMs(p.worstLeaderlessMs)} leaderless)`);
    return el('section', { class: 'plan card', 'data-plan': p.key, 'aria-label': p.label },
      el('h3', {}, p.label), el('p', { class: 'muted' }, p.plan),
      el('dl', {},
        el('dt', {}, 'Runs'), el('dd', {}, `${p.runs} from seed ${p.seed} · ${p.okRuns} without error`),
        el('dt', {}, 'Quorum lost'), el('dd', { class: p.quorumLostRuns ? 'bad' : 'ok' }, `${p.quorumLostRuns} run(s)`),
        el('dt', {}, 'Leaderless'), el('dd', {}, dist(p.leaderlessMs)),
        el('dt', {}, 'Longest stall'), el('dd', {}, dist(p.longestLeaderlessMs)),
        el('dt', {}, 'Elections'), el('dd', {}, `p50 ${p.elections.p50} · max ${p.elections.max}`),
        el('dt', {}, 'Simulated in'), el('dd', {}, `${fmtMs(p.wallMs)} of wall time`)),
      chart(p, maxX, `mc-chart${suffix}`),
      replay,
      p.errors.length ? el('ul', { class: 'muted' }, ...p.errors.map((e) => el('li', {}, `${e.count}× ${e.error}`))) : null);
  }
}
