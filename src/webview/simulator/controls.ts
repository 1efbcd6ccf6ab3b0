// The operator's controls: the scenario toolbar (load, Monte-Carlo, compare) and playback (play / pause,
// step to the next or previous moment something happens, speed, slow motion for messages, keyboard on the
// timeline). Moving the cursor asks the host for more history ahead of it.
import type { ActionKind, ScenarioInfo } from '../../extension/simulator/protocol';
import { LIMITS } from '../../extension/simulator/protocol';
import { byT, bySent, el, lastAtOrBefore } from './dom';
import { post } from './messaging';
import { SANDBOX, state } from './state';
import { Timeline } from './timeline';

const SPEEDS: [number, string][] = [[0.01, '0.01×'], [0.05, '0.05×'], [0.1, '0.1×'], [0.25, '0.25×'], [1, '1×'], [4, '4×']];
/** Wall time a message takes to cross in slow motion, ms. */
const SLOWMO_CROSSING_MS = 150;
const MAX_SEED = 0xffffffff;

function numberOf(input: HTMLInputElement, min: number, max: number, fallback: number): number {
  const v = Math.floor(Number(input.value));
  return Number.isFinite(v) && v >= min && v <= max ? v : fallback;
}

export class Controls {
  readonly scenario = el('select', { id: 'scenario', 'aria-label': 'Scenario' });
  readonly members = el('input', { id: 'members', type: 'number', min: LIMITS.members.min, max: LIMITS.members.max, value: 3, 'aria-label': 'Members' });
  readonly seed = el('input', { id: 'seed', type: 'number', min: 0, max: MAX_SEED, value: 1, 'aria-label': 'Seed' });
  readonly runs = el('input', { id: 'runs', type: 'number', min: LIMITS.runs.min, max: LIMITS.runs.max, value: 200, 'aria-label': 'Monte-Carlo runs' });
  readonly compareWith = el('select', { id: 'compare-with', 'aria-label': 'Compare with scenario' });
  readonly runMc = el('button', { id: 'run-mc', class: 'secondary', onclick: () => this.runMonteCarlo(), title: 'Run the scenario over many seeds' }, 'Monte-Carlo');
  readonly play = el('button', { id: 'play', 'aria-pressed': 'false', onclick: () => this.togglePlay(), title: 'Play / pause (Space on the timeline)' }, '▶ Play');
  readonly speed = el('select', { id: 'speed', 'aria-label': 'Playback speed' },
    ...SPEEDS.map(([v, label]) => el('option', { value: v, selected: v === state.speed }, label)));
  readonly slowmo = el('input', { id: 'slowmo', type: 'checkbox', checked: true });
  private lastWall = 0;

  constructor(private readonly timeline: Timeline, private readonly status: (text: string, error?: boolean) => void) {
    this.speed.addEventListener('change', () => { state.speed = Number(this.speed.value); });
    timeline.slider.addEventListener('input', () => { this.setPlaying(false); this.seek(Number(timeline.slider.value)); });
    timeline.slider.addEventListener('keydown', (e) => this.timelineKeys(e));
    this.scenario.addEventListener('change', () => {
      const s = state.scenarios.find((x) => x.name === this.scenario.value);
      if (s) this.members.value = String(s.defaultMembers);
      if (s?.compareWith) this.compareWith.value = s.compareWith;
      this.updateButtons();
    });
  }

  toolbar(): HTMLElement {
    const load = el('button', { id: 'load', onclick: () => this.load() }, 'Load');
    const compare = el('button', { id: 'compare', class: 'secondary', onclick: () => this.compare(), title: 'Monte-Carlo of two scenarios side by side' }, 'Compare');
    return el('section', { class: 'toolbar', 'aria-label': 'Scenario' },
      el('label', {}, 'Scenario ', this.scenario), el('label', {}, 'Members ', this.members), el('label', {}, 'Seed ', this.seed), load,
      el('span', { class: 'sep', 'aria-hidden': 'true' }),
      el('label', {}, 'Runs ', this.runs), this.runMc, el('label', {}, 'vs ', this.compareWith), compare);
  }

  playback(): HTMLElement {
    const stepBack = el('button', { id: 'step-back', class: 'secondary', onclick: () => this.step(-1), 'aria-label': 'Step back one event' }, '◀ Step');
    const step = el('button', { id: 'step', class: 'secondary', onclick: () => this.step(1), 'aria-label': 'Step forward one event' }, 'Step ▶');
    return el('section', { class: 'playback', 'aria-label': 'Playback' }, this.play, stepBack, step, el('label', {}, 'Speed ', this.speed),
      el('label', { title: 'Play time slower while messages are in flight, so each one can be seen crossing' }, this.slowmo, ' slow down for messages'),
      this.timeline.slider, this.timeline.time);
  }

  /** Cluster-wide actions under the picture. */
  clusterActions(): HTMLElement {
    return el('div', { class: 'cluster-actions' },
      el('button', { id: 'heal', class: 'secondary', onclick: () => this.act('heal', null), title: 'Reconnect every member' }, 'Heal network'),
      el('button', { id: 'add-member', class: 'secondary', onclick: () => this.act('add', null), title: 'MemberAdd through the leader; the new etcd starts 1 s later' }, 'Add member'));
  }

  fillScenarios(scenarios: ScenarioInfo[], defaults: { members: number; seed: number; runs: number }): void {
    this.scenario.replaceChildren(...scenarios.map((s) => el('option', { value: s.name, title: s.summary }, s.name)), el('option', { value: SANDBOX }, 'sandbox (free play)'));
    this.compareWith.replaceChildren(...scenarios.map((s) => el('option', { value: s.name, title: s.summary, selected: s.name === 'remove-leader' }, s.name)));
    this.members.value = String(defaults.members);
    this.seed.value = String(defaults.seed);
    this.runs.value = String(defaults.runs);
    this.updateButtons();
  }

  /** Shows the session's scenario, seed and size in the toolbar. */
  showSession(): void {
    const info = state.session;
    if (!info) return;
    this.scenario.querySelector('option[value="rehearsal"]')?.remove();
    if (info.scenario && Array.from(this.scenario.options).some((o) => o.value === info.scenario)) this.scenario.value = info.scenario;
    else if (info.kind === 'sandbox') this.scenario.value = SANDBOX;
    else if (info.kind === 'rehearsal') {
      // Not a scenario: shown as such until the operator picks one.
      this.scenario.append(el('option', { value: 'rehearsal', disabled: true }, '(rehearsal)'));
      this.scenario.value = 'rehearsal';
    }
    this.seed.value = String(info.seed);
    this.members.value = String(info.members);
  }

  private updateButtons(): void {
    this.runMc.disabled = this.scenario.value === SANDBOX;
  }

  private memberCount(): number {
    return numberOf(this.members, LIMITS.members.min, LIMITS.members.max, 3);
  }

  private seedValue(): number {
    return numberOf(this.seed, 0, MAX_SEED, 1);
  }

  private runCount(): number {
    return numberOf(this.runs, LIMITS.runs.min, LIMITS.runs.max, 200);
  }

  private load(): void {
    this.setPlaying(false);
    if (this.scenario.value === SANDBOX) post({ type: 'sandbox', seed: this.seedValue(), members: this.memberCount() });
    else post({ type: 'load', scenario: this.scenario.value, seed: this.seedValue(), members: this.memberCount() });
  }

  private runMonteCarlo(): void {
    if (this.scenario.value === SANDBOX) { this.status('Pick a scenario for a Monte-Carlo run.'); return; }
    post({ type: 'montecarlo', scenario: this.scenario.value, seed: this.seedValue(), members: this.memberCount(), runs: this.runCount() });
  }

  private compare(): void {
    const a = this.scenario.value === SANDBOX ? 'remove-leader-naive' : this.scenario.value;
    post({ type: 'compare', scenarios: [a, this.compareWith.value], seed: this.seedValue(), members: this.memberCount(), runs: this.runCount() });
  }

  act(action: ActionKind, slot: number | null): void {
    if (!state.session) return;
    post({ type: 'action', sessionId: state.session.id, action, slot, at: state.cursor });
  }

  // ---- playback ----------------------------------------------------------------------------------------

  setPlaying(on: boolean): void {
    state.playing = on;
    this.play.setAttribute('aria-pressed', on ? 'true' : 'false');
    this.play.textContent = on ? '❚❚ Pause' : '▶ Play';
    if (on) { this.lastWall = performance.now(); requestAnimationFrame((now) => this.tick(now)); }
  }

  private togglePlay(): void {
    if (!state.session) return;
    if (!state.playing && state.done && state.cursor >= state.end - 1e-6) state.continuePastEnd = true;
    this.setPlaying(!state.playing);
    this.ensureAhead();
  }

  private lookahead(): number {
    return Math.max(200, state.speed * 1000);
  }

  /** Asks the host to simulate further when the cursor nears the end of what was recorded. */
  ensureAhead(): void {
    if (!state.session || state.advancePending) return;
    if (state.done && !state.continuePastEnd) return;
    if (state.cursor + this.lookahead() <= state.end) return;
    state.advancePending = true;
    post({ type: 'advance', sessionId: state.session.id, until: state.cursor + 2 * this.lookahead() });
  }

  /** Virtual ms per wall ms right now: the chosen speed, slowed so a message in flight can be seen crossing. */
  private rate(): number {
    if (!this.slowmo.checked || !this.timeline.stage.dotsShown || !state.session) return state.speed;
    return Math.min(state.speed, Math.max(0.05, state.session.latencyMs) / SLOWMO_CROSSING_MS);
  }

  private tick(now: number): void {
    if (!state.playing) return;
    const dt = Math.min(100, now - this.lastWall);
    this.lastWall = now;
    let next = state.cursor + dt * this.rate();
    if (this.slowmo.checked) {
      // Do not jump over the next message: stop where it leaves, so slow motion picks it up.
      const ahead = state.messages[lastAtOrBefore(state.messages, state.cursor, bySent) + 1];
      if (ahead && ahead.sent < next && ahead.sent > state.cursor) next = ahead.sent;
    }
    if (next >= state.end) {
      next = state.end;
      if (state.done && !state.continuePastEnd) this.setPlaying(false);
    }
    state.cursor = next;
    this.ensureAhead();
    this.timeline.render();
    if (state.playing) requestAnimationFrame((t) => this.tick(t));
  }

  private seek(t: number): void {
    state.cursor = Math.max(0, Math.min(state.end, t));
    this.ensureAhead();
    this.timeline.render();
  }

  /** The next (dir 1) or previous (dir -1) moment something happens: a frame, an event, a send or an arrival. */
  private step(dir: 1 | -1): void {
    this.setPlaying(false);
    const eps = 1e-6;
    const { frames, events, messages, cursor } = state;
    let best = dir > 0 ? Infinity : -Infinity;
    const consider = (t: number | null | undefined) => {
      if (t === null || t === undefined) return;
      if (dir > 0 && t > cursor + eps && t < best) best = t;
      if (dir < 0 && t < cursor - eps && t > best) best = t;
    };
    const fi = lastAtOrBefore(frames, cursor + (dir > 0 ? eps : -eps), byT);
    consider(frames[dir > 0 ? fi + 1 : fi]?.t);
    const ei = lastAtOrBefore(events, cursor + (dir > 0 ? eps : -eps), byT);
    consider(events[dir > 0 ? ei + 1 : ei]?.t);
    const mi = lastAtOrBefore(messages, cursor + eps, bySent);
    if (dir > 0) consider(messages[mi + 1]?.sent);
    else consider(messages[lastAtOrBefore(messages, cursor - eps, bySent)]?.sent);
    for (let i = mi; i >= 0 && messages[i].sent >= cursor - state.maxFlightMs - 1; i--) consider(messages[i].arrive);
    if (!Number.isFinite(best)) {
      if (dir > 0) { state.continuePastEnd = true; this.ensureAhead(); }
      return;
    }
    this.seek(best);
  }

  private timelineKeys(e: KeyboardEvent): void {
    const big = 1000;
    const small = 100;
    let handled = true;
    switch (e.key) {
      case ' ': case 'Spacebar': this.togglePlay(); break;
      case 'ArrowRight': case 'ArrowUp': if (e.shiftKey) { this.setPlaying(false); this.seek(state.cursor + small); } else this.step(1); break;
      case 'ArrowLeft': case 'ArrowDown': if (e.shiftKey) { this.setPlaying(false); this.seek(state.cursor - small); } else this.step(-1); break;
      case 'PageUp': this.setPlaying(false); this.seek(state.cursor + big); break;
      case 'PageDown': this.setPlaying(false); this.seek(state.cursor - big); break;
      case 'Home': this.setPlaying(false); this.seek(0); break;
      case 'End': this.setPlaying(false); this.seek(state.end); break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  }
}
