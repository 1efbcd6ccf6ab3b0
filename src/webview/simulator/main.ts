// Simulator panel webview. It renders what the extension host simulated and recorded (src/extension/simulator):
// frames of member state, messages in flight, annotated events, operation results and Monte-Carlo summaries.
// It never simulates; it asks the host for more history as its cursor moves and sends the operator's actions.
// Parts, one job each: state.ts (the recording held here), timeline.ts (the view at the cursor: stage.ts,
// node-cards.ts, event-list.ts), controls.ts, op-results.ts, monte-carlo.ts, messaging.ts (the protocol).
//
// Stable hooks for end-to-end tests (ids and data attributes; keep them when changing the layout):
//   #scenario            <select> of built-in scenarios plus "sandbox"; #members, #seed, #runs: <input type=number>
//   #load                loads the selected scenario (or sandbox) with #members and #seed
//   #play                play/pause toggle (aria-pressed="true" while playing); #step, #step-back: one event
//   #speed               <select> of playback speeds (virtual ms per wall ms); #slowmo: checkbox, slower while
//                        messages are in flight; #timeline: range input (the cursor, virtual ms)
//   #time                "<cursor> / <end>"; #session-title, #session-subtitle, #session-notes,
//                        #session-rules (which etcd version's rules the simulation follows)
//   [data-node=<name>]   one card per member, with data-role="leader|follower|candidate|pre-candidate" while
//                        its process runs (else the state: "down|removed|unstarted"),
//                        data-state="running|down|stopping|removed|unstarted", data-term, data-commit, data-slot;
//                        its buttons carry data-action="crash|restart|isolate|transfer|remove|remove-direct"
//   #stage               SVG of the cluster; its nodes are [data-svg-node=<name>], messages [data-msg]
//   #writable            data-writable="true|false": some leader can commit writes at the cursor
//   #heal, #add-member   cluster-wide actions; #events: <ol> of events up to the cursor ([data-event=<kind>]),
//                        #show-commits: checkbox adding commit events to it
//   #op-result           operation results of the session ([data-op-ok="true|false"])
//   #run-mc, #compare, #compare-with   Monte-Carlo of the scenario; two scenarios side by side
//   #mc-progress         progress text; #mc-summary: the summary (data-runs), one [data-plan=<key>] per plan,
//                        #mc-chart (first plan's histogram), #replay-worst (first plan's worst seed; others
//                        .replay-worst with data-plan), #mc-rules (the rules the runs followed)
//   #status              last error or notice (class "error" for errors)
// Keyboard: on #timeline, Space plays/pauses, Left/Right step one event, Shift+Left/Right move 100 ms,
// PageUp/PageDown move 1 s, Home/End jump to the start/end. Everything else is buttons in tab order.
import type { SessionInfo, ToWebview } from '../../extension/simulator/protocol';
import { el } from './dom';
import { onHostMessage, post } from './messaging';
import { Controls } from './controls';
import { MonteCarloSummaryView } from './monte-carlo';
import { OpResults } from './op-results';
import { addHistory, resetHistory, state } from './state';
import { Timeline } from './timeline';

const header = {
  title: el('h1', { id: 'session-title' }, 'etcd Simulator'),
  subtitle: el('p', { id: 'session-subtitle', class: 'muted subtitle' }),
  rules: el('p', { id: 'session-rules', class: 'muted subtitle' }),
  notes: el('ul', { id: 'session-notes', class: 'notes muted' }),
};
const statusLine = el('div', { id: 'status', role: 'status' });
function status(text: string, error?: boolean): void {
  statusLine.textContent = text || '';
  statusLine.className = error ? 'error' : 'muted';
}

const timeline = new Timeline((action, slot) => controls.act(action, slot));
const controls = new Controls(timeline, status);
const opResults = new OpResults();
const monteCarlo = new MonteCarloSummaryView((view, plan) => {
  controls.setPlaying(false);
  post({ type: 'replay', kind: view.replay.kind, plan: plan.key, seed: plan.worstSeed, members: view.replay.members });
});

function layout(app: HTMLElement): void {
  const left = el('div', {}, timeline.stage.root, controls.clusterActions());
  const right = el('div', {}, timeline.cards.root,
    el('div', { class: 'events-head' }, el('h2', {}, 'Events'), el('label', { class: 'muted' }, timeline.events.showCommits, ' show commits')),
    timeline.events.list);
  app.replaceChildren(
    el('header', { class: 'sim-header' }, header.title, header.subtitle, header.rules, header.notes),
    controls.toolbar(), controls.playback(), statusLine,
    el('div', { class: 'main' }, left, right),
    opResults.root,
    el('section', { 'aria-label': 'Monte-Carlo' }, el('h2', {}, 'Monte-Carlo'), monteCarlo.progress, monteCarlo.summary));
}

function resetSession(info: SessionInfo, at: number): void {
  state.session = info;
  resetHistory(at || 0);
  if (!at) controls.setPlaying(false);
  timeline.reset();
  header.title.textContent = info.title;
  const lead = info.subtitle && !/[.!?]$/.test(info.subtitle) ? `${info.subtitle}.` : info.subtitle;
  header.subtitle.textContent = `${lead} Seed ${info.seed}; ${info.members} members; heartbeat ${info.heartbeatMs} ms, election timeout ${info.electionMs} ms, peer latency ${info.latencyMs} ms.`;
  header.rules.textContent = info.rules ? `Rules: ${info.rules}.` : '';
  header.notes.replaceChildren(...(info.notes || []).map((n) => el('li', {}, n)));
  controls.showSession();
  opResults.render();
  timeline.render();
}

function handle(m: ToWebview): void {
  switch (m.type) {
    case 'init':
      state.scenarios = m.scenarios;
      controls.fillScenarios(m.scenarios, m.defaults);
      break;
    case 'session': resetSession(m.session, m.cursor); status(''); break;
    case 'history':
      if (!state.session || m.sessionId !== state.session.id) break;
      if (addHistory(m)) timeline.events.invalidate();
      if (!state.playing) timeline.render();
      else controls.ensureAhead();
      break;
    case 'op': if (state.session && m.sessionId === state.session.id) { state.ops.push(m.op); opResults.render(); } break;
    case 'mc-progress': monteCarlo.showProgress(m.title, m.done, m.total); break;
    case 'mc':
      state.mcView = m.view;
      monteCarlo.render(m.view);
      break;
    case 'status': status(m.message, m.error); break;
  }
}

const app = document.getElementById('app');
if (app) {
  layout(app);
  onHostMessage(handle);
  post({ type: 'ready' });
}
