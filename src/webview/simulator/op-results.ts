// The results of the operations run in the session (the ops engine's plan, checks and steps), newest first.
import type { OpSummary } from '../../extension/simulator/protocol';
import { el, fmtMs, fmtT } from './dom';
import { state } from './state';

function checkMark(c: OpSummary['checks'][number]): HTMLElement {
  if (c.ok) return el('span', { class: 'ok', 'aria-label': 'passed' }, '✓');
  return c.severity === 'warning' ? el('span', { class: 'warn', 'aria-label': 'warning' }, '⚠') : el('span', { class: 'bad', 'aria-label': 'failed' }, '✗');
}

export class OpResults {
  readonly root = el('section', { id: 'op-result', 'aria-label': 'Operation results' });

  render(): void {
    this.root.replaceChildren();
    const ops = state.ops;
    if (!ops.length) return;
    this.root.append(el('h2', {}, state.session && state.session.kind === 'rehearsal' ? 'Rehearsal result' : 'Operations'));
    [...ops].reverse().forEach((op, i) => this.root.append(card(op, i === 0)));
  }
}

function card(op: OpSummary, open: boolean): HTMLElement {
  const outcome = op.ok ? 'succeeded' : op.refused ? 'refused' : 'failed';
  const details = el('details', { class: 'card result-card', open, 'data-op-ok': op.ok ? 'true' : 'false' },
    el('summary', {}, el('span', { class: op.ok ? 'ok' : 'bad' }, op.ok ? '✓ ' : '✗ '), el('strong', {}, op.title),
      ` ${outcome} at ${fmtT(op.started)} (took ${fmtMs(op.ended - op.started)})`),
    el('p', {}, op.reason),
    el('p', {}, 'Leaderless while it ran: ', el('strong', {}, op.leaderlessMs === null ? 'not measured' : fmtMs(op.leaderlessMs)), ' as the ops engine polled it; ',
      el('strong', {}, fmtMs(op.unwritableMs)), ' without a leader able to commit, as the simulator measured it.'));
  if (op.plan.length) details.append(el('div', { class: 'muted' }, 'Plan'), el('ol', {}, ...op.plan.map((p) => el('li', {}, p))));
  if (op.checks.length) details.append(el('div', { class: 'muted' }, 'Checks'), el('ul', {}, ...op.checks.map((c) => el('li', {}, checkMark(c), ' ', c.detail))));
  if (op.steps.length) {
    details.append(el('div', { class: 'muted' }, 'Steps'), el('table', {},
      el('tr', {}, el('th', {}, 'step'), el('th', {}, 'status'), el('th', {}, 'time'), el('th', {}, 'detail')),
      ...op.steps.map((s) => el('tr', {}, el('td', {}, s.name), el('td', { class: s.status === 'done' ? 'ok' : s.status === 'failed' ? 'bad' : 'muted' }, s.status),
        el('td', { class: 'mono' }, fmtMs(s.ms)), el('td', {}, s.detail)))));
  }
  return details;
}
