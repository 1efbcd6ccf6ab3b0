// Simulator panel script. It renders what the extension host simulated and recorded (src/extension/simulator):
// frames of member state, messages in flight, annotated events, operation results and Monte-Carlo summaries.
// It never simulates; it asks the host for more history as its cursor moves and sends the operator's actions.
//
// Stable hooks for end-to-end tests (ids and data attributes; keep them when changing the layout):
//   #scenario            <select> of built-in scenarios plus "sandbox"; #members, #seed, #runs: <input type=number>
//   #load                loads the selected scenario (or sandbox) with #members and #seed
//   #play                play/pause toggle (aria-pressed="true" while playing); #step, #step-back: one event
//   #speed               <select> of playback speeds (virtual ms per wall ms); #slowmo: checkbox, slower while
//                        messages are in flight; #timeline: range input (the cursor, virtual ms)
//   #time                "<cursor> / <end>"; #session-title, #session-subtitle, #session-notes
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
//                        .replay-worst with data-plan)
//   #status              last error or notice (class "error" for errors)
// Keyboard: on #timeline, Space plays/pauses, Left/Right step one event, Shift+Left/Right move 100 ms,
// PageUp/PageDown move 1 s, Home/End jump to the start/end. Everything else is buttons in tab order.
(function () {
  const vscode = acquireVsCodeApi();
  const app = document.getElementById('app');
  const SVG = 'http://www.w3.org/2000/svg';
  const SANDBOX = 'sandbox';
  const SPEEDS = [[0.01, '0.01×'], [0.05, '0.05×'], [0.1, '0.1×'], [0.25, '0.25×'], [1, '1×'], [4, '4×']];
  const MAX_EVENTS_SHOWN = 300;
  /** A long sandbox keeps at most this many frames; older history is dropped (the timeline starts later). */
  const MAX_FRAMES = 60000;
  const MAX_DOTS = 80;
  const NODE_R = 36;
  /** Wall time a message takes to cross in slow motion, ms. */
  const SLOWMO_CROSSING_MS = 150;

  // ---- state -------------------------------------------------------------------------------------------
  let scenarios = [];
  let session = null;
  let frames = [];
  let messages = [];
  const msgById = new Map();
  let maxFlightMs = 5;
  let events = [];
  let ops = [];
  let end = 0;
  let done = false;
  let cursor = 0;
  let playing = false;
  let continuePastEnd = false;
  let speed = 0.25;
  /** Messages shown at the last render, and the earliest send still ahead of the cursor (for slow motion). */
  let dotsShown = 0;
  let lastWall = 0;
  let advancePending = false;
  let renderedNodes = '';
  let shownEvents = { count: -1, commits: null, sessionId: null };
  let mcView = null;

  // ---- helpers -----------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'onclick') node.addEventListener('click', v);
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }
  function fmtMs(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
    if (Math.abs(ms) < 1000) return `${Math.round(ms * 10) / 10} ms`;
    return `${(ms / 1000).toFixed(2)} s`;
  }
  function fmtT(ms) { return `${(ms / 1000).toFixed(3)} s`; }
  function post(m) { vscode.postMessage(m); }
  /** Index of the last item with key(item) <= t in a list sorted by key, -1 if none. */
  function lastAtOrBefore(list, t, key) {
    let lo = 0; let hi = list.length - 1; let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (key(list[mid]) <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }
  const byT = (x) => x.t;
  const bySent = (m) => m.sent;

  // ---- layout ------------------------------------------------------------------------------------------
  const ui = {};
  function build() {
    ui.title = el('h1', { id: 'session-title' }, 'etcd Simulator');
    ui.subtitle = el('p', { id: 'session-subtitle', class: 'muted subtitle' });
    ui.notes = el('ul', { id: 'session-notes', class: 'notes muted' });
    ui.scenario = el('select', { id: 'scenario', 'aria-label': 'Scenario' });
    ui.members = el('input', { id: 'members', type: 'number', min: 1, max: 9, value: 3, 'aria-label': 'Members' });
    ui.seed = el('input', { id: 'seed', type: 'number', min: 0, max: 4294967295, value: 1, 'aria-label': 'Seed' });
    ui.load = el('button', { id: 'load', onclick: load }, 'Load');
    ui.runs = el('input', { id: 'runs', type: 'number', min: 1, max: 5000, value: 200, 'aria-label': 'Monte-Carlo runs' });
    ui.runMc = el('button', { id: 'run-mc', class: 'secondary', onclick: runMonteCarlo, title: 'Run the scenario over many seeds' }, 'Monte-Carlo');
    ui.compareWith = el('select', { id: 'compare-with', 'aria-label': 'Compare with scenario' });
    ui.compare = el('button', { id: 'compare', class: 'secondary', onclick: compare, title: 'Monte-Carlo of two scenarios side by side' }, 'Compare');
    const toolbar = el('section', { class: 'toolbar', 'aria-label': 'Scenario' },
      el('label', {}, 'Scenario ', ui.scenario), el('label', {}, 'Members ', ui.members), el('label', {}, 'Seed ', ui.seed), ui.load,
      el('span', { class: 'sep', 'aria-hidden': 'true' }),
      el('label', {}, 'Runs ', ui.runs), ui.runMc, el('label', {}, 'vs ', ui.compareWith), ui.compare);

    ui.play = el('button', { id: 'play', 'aria-pressed': 'false', onclick: togglePlay, title: 'Play / pause (Space on the timeline)' }, '▶ Play');
    ui.stepBack = el('button', { id: 'step-back', class: 'secondary', onclick: () => step(-1), 'aria-label': 'Step back one event' }, '◀ Step');
    ui.step = el('button', { id: 'step', class: 'secondary', onclick: () => step(1), 'aria-label': 'Step forward one event' }, 'Step ▶');
    ui.speed = el('select', { id: 'speed', 'aria-label': 'Playback speed' }, ...SPEEDS.map(([v, label]) => el('option', { value: v, selected: v === speed }, label)));
    ui.speed.addEventListener('change', () => { speed = Number(ui.speed.value); });
    ui.slowmo = el('input', { id: 'slowmo', type: 'checkbox', checked: true });
    ui.timeline = el('input', { id: 'timeline', type: 'range', min: 0, max: 0, step: 'any', value: 0, 'aria-label': 'Timeline (virtual time)' });
    ui.timeline.addEventListener('input', () => { setPlaying(false); seek(Number(ui.timeline.value)); });
    ui.timeline.addEventListener('keydown', timelineKeys);
    ui.time = el('span', { id: 'time', class: 'mono', 'aria-live': 'off' }, '0.000 s / 0.000 s');
    const playback = el('section', { class: 'playback', 'aria-label': 'Playback' }, ui.play, ui.stepBack, ui.step, el('label', {}, 'Speed ', ui.speed),
      el('label', { title: 'Play time slower while messages are in flight, so each one can be seen crossing' }, ui.slowmo, ' slow down for messages'), ui.timeline, ui.time);

    ui.status = el('div', { id: 'status', role: 'status' });
    ui.stage = svg('svg', { id: 'stage', viewBox: '0 0 420 300', role: 'img', 'aria-label': 'Cluster members and messages in flight' });
    ui.links = svg('g', {}); ui.dots = svg('g', {}); ui.svgNodes = svg('g', {});
    ui.stage.append(ui.links, ui.svgNodes, ui.dots);
    ui.writable = el('span', { id: 'writable', class: 'badge', 'data-writable': 'false' }, '');
    ui.inflight = el('span', { class: 'muted' }, '');
    const legend = el('div', { class: 'legend muted', 'aria-hidden': 'true' },
      el('span', {}, el('span', { class: 'dot app' }), 'append'), el('span', {}, el('span', { class: 'dot heartbeat' }), 'heartbeat'),
      el('span', {}, el('span', { class: 'dot vote' }), 'vote / pre-vote'), el('span', {}, el('span', { class: 'dot transfer' }), 'transfer'),
      el('span', {}, el('span', { class: 'dot lost' }), 'lost'), ui.inflight);
    ui.nodes = el('div', { id: 'nodes', 'aria-label': 'Members' });
    ui.heal = el('button', { id: 'heal', class: 'secondary', onclick: () => act('heal', null), title: 'Reconnect every member' }, 'Heal network');
    ui.addMember = el('button', { id: 'add-member', class: 'secondary', onclick: () => act('add', null), title: 'MemberAdd through the leader; the new etcd starts 1 s later' }, 'Add member');
    const left = el('div', {}, el('div', { class: 'stage-wrap' }, ui.stage, ui.writable, legend),
      el('div', { class: 'cluster-actions' }, ui.heal, ui.addMember));
    ui.showCommits = el('input', { id: 'show-commits', type: 'checkbox' });
    ui.showCommits.addEventListener('change', () => renderEvents(true));
    ui.events = el('ol', { id: 'events', 'aria-label': 'Events up to the cursor' });
    const right = el('div', {}, ui.nodes,
      el('div', { class: 'events-head' }, el('h2', {}, 'Events'), el('label', { class: 'muted' }, ui.showCommits, ' show commits')), ui.events);
    ui.opResult = el('section', { id: 'op-result', 'aria-label': 'Operation results' });
    ui.mcProgress = el('div', { id: 'mc-progress', class: 'muted', 'aria-live': 'polite' });
    ui.mcSummary = el('div', { id: 'mc-summary' });
    app.replaceChildren(
      el('header', { class: 'sim-header' }, ui.title, ui.subtitle, ui.notes),
      toolbar, playback, ui.status,
      el('div', { class: 'main' }, left, right),
      ui.opResult,
      el('section', { 'aria-label': 'Monte-Carlo' }, el('h2', {}, 'Monte-Carlo'), ui.mcProgress, ui.mcSummary));
    ui.scenario.addEventListener('change', () => {
      const s = scenarios.find((x) => x.name === ui.scenario.value);
      if (s) ui.members.value = String(s.defaultMembers);
      updateButtons();
    });
  }

  function fillScenarios(defaults) {
    ui.scenario.replaceChildren(...scenarios.map((s) => el('option', { value: s.name, title: s.summary }, s.name)), el('option', { value: SANDBOX }, 'sandbox (free play)'));
    ui.compareWith.replaceChildren(...scenarios.map((s) => el('option', { value: s.name, title: s.summary, selected: s.name === 'remove-leader' }, s.name)));
    ui.members.value = String(defaults.members);
    ui.seed.value = String(defaults.seed);
    ui.runs.value = String(defaults.runs);
  }

  function numberOf(input, min, max, fallback) {
    const v = Math.floor(Number(input.value));
    return Number.isFinite(v) && v >= min && v <= max ? v : fallback;
  }
  function load() {
    const members = numberOf(ui.members, 1, 9, 3);
    const seed = numberOf(ui.seed, 0, 4294967295, 1);
    setPlaying(false);
    if (ui.scenario.value === SANDBOX) post({ type: 'sandbox', seed, members });
    else post({ type: 'load', scenario: ui.scenario.value, seed, members });
  }
  function runMonteCarlo() {
    if (ui.scenario.value === SANDBOX) { status('Pick a scenario for a Monte-Carlo run.'); return; }
    post({ type: 'montecarlo', scenario: ui.scenario.value, seed: numberOf(ui.seed, 0, 4294967295, 1), members: numberOf(ui.members, 1, 9, 3), runs: numberOf(ui.runs, 1, 5000, 200) });
  }
  function compare() {
    const a = ui.scenario.value === SANDBOX ? 'remove-leader-naive' : ui.scenario.value;
    post({ type: 'compare', scenarios: [a, ui.compareWith.value], seed: numberOf(ui.seed, 0, 4294967295, 1), members: numberOf(ui.members, 1, 9, 3), runs: numberOf(ui.runs, 1, 5000, 200) });
  }
  function status(text, error) {
    ui.status.textContent = text || '';
    ui.status.className = error ? 'error' : 'muted';
  }
  function updateButtons() {
    ui.runMc.disabled = ui.scenario.value === SANDBOX;
  }

  // ---- playback ----------------------------------------------------------------------------------------
  function setPlaying(on) {
    playing = on;
    ui.play.setAttribute('aria-pressed', on ? 'true' : 'false');
    ui.play.textContent = on ? '❚❚ Pause' : '▶ Play';
    if (on) { lastWall = performance.now(); requestAnimationFrame(tick); }
  }
  function togglePlay() {
    if (!session) return;
    if (!playing && done && cursor >= end - 1e-6) continuePastEnd = true;
    setPlaying(!playing);
    ensureAhead();
  }
  function lookahead() { return Math.max(200, speed * 1000); }
  function ensureAhead() {
    if (!session || advancePending) return;
    if (done && !continuePastEnd) return;
    if (cursor + lookahead() <= end) return;
    advancePending = true;
    post({ type: 'advance', sessionId: session.id, until: cursor + 2 * lookahead() });
  }
  /** Virtual ms per wall ms right now: the chosen speed, slowed so a message in flight can be seen crossing. */
  function rate() {
    if (!ui.slowmo.checked || !dotsShown || !session) return speed;
    return Math.min(speed, Math.max(0.05, session.latencyMs) / SLOWMO_CROSSING_MS);
  }
  function tick(now) {
    if (!playing) return;
    const dt = Math.min(100, now - lastWall);
    lastWall = now;
    let next = cursor + dt * rate();
    if (ui.slowmo.checked) {
      // Do not jump over the next message: stop where it leaves, so slow motion picks it up.
      const ahead = messages[lastAtOrBefore(messages, cursor, bySent) + 1];
      if (ahead && ahead.sent < next && ahead.sent > cursor) next = ahead.sent;
    }
    if (next >= end) {
      next = end;
      if (done && !continuePastEnd) setPlaying(false);
    }
    cursor = next;
    ensureAhead();
    render();
    if (playing) requestAnimationFrame(tick);
  }
  function seek(t) {
    cursor = Math.max(0, Math.min(end, t));
    ensureAhead();
    render();
  }
  /** The next (dir 1) or previous (dir -1) moment something happens: a frame, an event, a send or an arrival. */
  function step(dir) {
    setPlaying(false);
    const eps = 1e-6;
    let best = dir > 0 ? Infinity : -Infinity;
    const consider = (t) => {
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
    for (let i = mi; i >= 0 && messages[i].sent >= cursor - maxFlightMs - 1; i--) consider(messages[i].arrive);
    if (!Number.isFinite(best)) { if (dir > 0) { continuePastEnd = true; ensureAhead(); } return; }
    seek(best);
  }
  function timelineKeys(e) {
    const big = 1000;
    const small = 100;
    let handled = true;
    switch (e.key) {
      case ' ': case 'Spacebar': togglePlay(); break;
      case 'ArrowRight': case 'ArrowUp': if (e.shiftKey) { setPlaying(false); seek(cursor + small); } else step(1); break;
      case 'ArrowLeft': case 'ArrowDown': if (e.shiftKey) { setPlaying(false); seek(cursor - small); } else step(-1); break;
      case 'PageUp': setPlaying(false); seek(cursor + big); break;
      case 'PageDown': setPlaying(false); seek(cursor - big); break;
      case 'Home': setPlaying(false); seek(0); break;
      case 'End': setPlaying(false); seek(end); break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  }
  function act(action, slot) {
    if (!session) return;
    post({ type: 'action', sessionId: session.id, action, slot, at: cursor });
  }

  // ---- rendering ---------------------------------------------------------------------------------------
  function positions(n) {
    const cx = 210; const cy = 150; const r = n <= 1 ? 0 : 105;
    return Array.from({ length: n }, (_, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      return { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) };
    });
  }
  let pos = [];

  function buildNodes(frame) {
    const n = frame.nodes.length;
    pos = positions(n);
    ui.svgNodes.replaceChildren();
    ui.links.replaceChildren();
    ui.nodes.replaceChildren();
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        ui.links.append(svg('line', { class: 'link', 'data-link': `${i}-${j}`, x1: pos[i].x, y1: pos[i].y, x2: pos[j].x, y2: pos[j].y }));
      }
      const g = svg('g', { class: 'svg-node', 'data-svg-node': frame.nodes[i].name });
      g.append(svg('circle', { cx: pos[i].x, cy: pos[i].y, r: NODE_R }));
      const nm = frame.nodes[i].name;
      const name = svg('text', { x: pos[i].x, y: pos[i].y - 7, class: nm.length > 6 ? 'name long' : 'name' }); name.textContent = nm;
      const role = svg('text', { class: 'role', x: pos[i].x, y: pos[i].y + 9 });
      g.append(name, role);
      ui.svgNodes.append(g);
      ui.nodes.append(nodeCard(frame.nodes[i]));
    }
    renderedNodes = frame.nodes.map((x) => x.name).join('|');
  }

  function nodeCard(v) {
    const name = v.name;
    const button = (action, label, title) => el('button', { class: 'secondary', 'data-action': action, 'aria-label': `${label} ${name}`, title, onclick: () => act(action, v.slot) }, label);
    return el('article', { class: 'node-card', 'data-node': name, 'data-slot': v.slot, 'aria-label': name },
      el('div', { class: 'head' }, el('span', { class: 'name' }, name), el('span', { class: 'badge role' }, ''), el('span', { class: 'muted state' }, '')),
      el('div', { class: 'stats mono' }, ''),
      el('div', { class: 'log', 'aria-label': `Raft log of ${name}, newest entries` }),
      el('div', { class: 'actions' },
        button('crash', 'Kill', 'Kill the etcd process (kill -9)'),
        button('restart', 'Start', 'Start the etcd process again'),
        button('isolate', 'Isolate', 'Cut this member off from the others (the operator stays with the others); Heal undoes it'),
        button('transfer', 'Make leader', 'Transfer leadership here through the ops engine (MoveLeader to the leader)'),
        button('remove', 'Remove (safe)', 'Remove through the ops engine: leadership moves first when this member leads'),
        button('remove-direct', 'Remove directly', 'One MemberRemove sent to the leader, as k0s did: no transfer first')));
  }

  function updateNode(i, v) {
    const g = ui.svgNodes.children[i];
    const card = ui.nodes.children[i];
    if (!g || !card) return;
    // A member whose process is down leads nothing, whatever its Raft state was when it stopped.
    const up = v.state === 'running' || v.state === 'stopping';
    const role = up ? v.role : v.state;
    for (const target of [g, card]) {
      target.setAttribute('data-role', role);
      target.setAttribute('data-state', v.state);
      target.setAttribute('data-learner', v.learner ? 'true' : 'false');
    }
    card.setAttribute('data-term', v.term);
    card.setAttribute('data-commit', v.commit);
    g.children[2].textContent = `${v.learner ? 'learner' : role} · T${v.term}`;
    const roleBadge = card.querySelector('.role');
    roleBadge.textContent = v.learner ? `learner${up ? ` (${v.role})` : ''}` : role;
    const stateText = v.state === 'running' ? (v.transferee ? `transferring to ${v.transferee}` : (v.lead && v.role !== 'leader' ? `follows ${v.lead}` : (v.role === 'leader' ? '' : 'no leader known')))
      : v.state === 'down' ? 'process down' : v.state === 'stopping' ? 'stopping' : v.state === 'removed' ? 'removed from the cluster' : 'added, not started';
    card.querySelector('.state').textContent = stateText;
    card.querySelector('.stats').textContent = `term ${v.term} · commit ${v.commit} · applied ${v.applied} · last ${v.last}${v.group ? ` · partition ${v.group}` : ''}`;
    card.setAttribute('aria-label', `${v.name}: ${v.learner ? 'learner' : v.role}, ${v.state}, term ${v.term}, commit ${v.commit}`);
    const log = card.querySelector('.log');
    const key = `${v.logStart}:${v.logTerms.join(',')}:${v.commit}:${v.logConf.join(',')}`;
    if (log.dataset.key !== key) {
      log.dataset.key = key;
      const items = [];
      if (v.logStart > 1) items.push(el('span', { class: 'more muted', title: `entries up to ${v.logStart - 1} are older or in the snapshot` }, `…${v.logStart - 1}`));
      v.logTerms.forEach((term, k) => {
        const index = v.logStart + k;
        const committed = index <= v.commit;
        const conf = v.logConf.includes(k);
        items.push(el('span', {
          class: `entry t${term % 6}${committed ? ' committed' : ''}${conf ? ' conf' : ''}`,
          title: `index ${index}, term ${term}${conf ? ', membership change' : ''}${committed ? ', committed' : ', not committed'}`,
        }, String(term)));
      });
      log.replaceChildren(...items);
    }
    const set = (action, enabled) => { const b = card.querySelector(`[data-action="${action}"]`); if (b) b.disabled = !enabled; };
    set('crash', up);
    set('restart', v.state === 'down');
    set('isolate', up);
    set('transfer', up && v.role !== 'leader' && !v.learner);
    set('remove', v.state !== 'removed');
    set('remove-direct', v.state !== 'removed');
  }

  function msgClass(m) {
    if (m.arrive === null || m.ok === false) return 'lost';
    if (/Heartbeat/.test(m.type)) return 'heartbeat';
    if (/Vote/.test(m.type)) return 'vote';
    if (/TimeoutNow|TransferLeader/.test(m.type)) return 'transfer';
    if (/Snap/.test(m.type)) return 'snap';
    return 'app';
  }
  const SHORT = { MsgApp: 'App', MsgAppResp: 'AppResp', MsgHeartbeat: 'HB', MsgHeartbeatResp: 'HBResp', MsgVote: 'Vote', MsgVoteResp: 'VoteResp',
    MsgPreVote: 'PreVote', MsgPreVoteResp: 'PreVoteResp', MsgTimeoutNow: 'TimeoutNow', MsgTransferLeader: 'Transfer', MsgSnap: 'Snap', MsgProp: 'Prop' };

  function renderMessages(t) {
    const latency = session ? Math.max(0.2, session.latencyMs) : 1;
    const lostShow = 3 * latency;
    const hi = lastAtOrBefore(messages, t, bySent);
    const shown = [];
    for (let i = hi; i >= 0 && shown.length < MAX_DOTS; i--) {
      const m = messages[i];
      if (m.sent < t - Math.max(maxFlightMs, lostShow) - 1) break;
      const until = m.arrive === null ? m.sent + lostShow : m.arrive;
      if (t >= until) continue;
      if (!pos[m.from] || !pos[m.to]) continue;
      shown.push(m);
    }
    ui.dots.replaceChildren();
    const labels = shown.length <= 10;
    for (const m of shown) {
      const a = pos[m.from]; const b = pos[m.to];
      const span = m.arrive === null ? lostShow : Math.max(1e-6, m.arrive - m.sent);
      let p = Math.min(1, Math.max(0, (t - m.sent) / span));
      if (m.arrive === null) p = Math.min(0.35, p);
      const dx = b.x - a.x; const dy = b.y - a.y; const len = Math.hypot(dx, dy) || 1;
      // From the edge of one circle to the edge of the other; requests and answers on either side of the link.
      const edge = Math.min(0.45, (NODE_R + 6) / len);
      const ox = (-dy / len) * 7; const oy = (dx / len) * 7;
      const f = edge + (1 - 2 * edge) * p;
      const x = a.x + dx * f + ox; const y = a.y + dy * f + oy;
      const dot = svg('circle', { class: `msg ${msgClass(m)}`, cx: x.toFixed(1), cy: y.toFixed(1), r: 5, 'data-msg': m.type });
      const tip = svg('title', {}); tip.textContent = `${m.type} ${m.from + 1}→${m.to + 1}, term ${m.term}${m.entries ? `, ${m.entries} entries` : ''}${m.reject ? ', reject' : ''}${m.arrive === null ? ', lost on the way' : m.ok === false ? ', dropped at the receiver' : ''}`;
      dot.append(tip);
      ui.dots.append(dot);
      if (labels) {
        const label = svg('text', { class: 'msg-label', x: x.toFixed(1), y: (y - 8).toFixed(1) });
        label.textContent = SHORT[m.type] || m.type;
        ui.dots.append(label);
      }
    }
    ui.inflight.textContent = `${shown.length} in flight`;
    dotsShown = shown.length;
  }

  function render() {
    const t = Math.min(cursor, end);
    ui.timeline.min = String(frames.length ? Math.min(frames[0].t, t) : 0);
    ui.timeline.max = String(Math.max(end, 0.001));
    ui.timeline.value = String(t);
    ui.time.textContent = `${fmtT(t)} / ${fmtT(end)}${done ? '' : ' …'}`;
    const fi = lastAtOrBefore(frames, t, byT);
    const frame = fi >= 0 ? frames[fi] : frames[0];
    if (frame) {
      const names = frame.nodes.map((x) => x.name).join('|');
      if (names !== renderedNodes) buildNodes(frame);
      frame.nodes.forEach((v, i) => updateNode(i, v));
      // Links between members on different sides of a partition are drawn cut.
      for (const line of ui.links.children) {
        const [i, j] = line.getAttribute('data-link').split('-').map(Number);
        const cut = frame.nodes[i].group !== frame.nodes[j].group;
        line.setAttribute('class', cut ? 'link cut' : 'link');
      }
      ui.writable.setAttribute('data-writable', frame.writable ? 'true' : 'false');
      ui.writable.textContent = frame.writable ? 'a leader can commit writes' : 'no leader can commit writes';
      ui.writable.className = `badge ${frame.writable ? '' : 'bad'}`;
    }
    renderMessages(t);
    renderEvents(false);
  }

  function eventText(e) {
    const term = e.term !== null && e.term !== undefined ? ` (term ${e.term})` : '';
    switch (e.event) {
      case 'become-leader': return { text: `became leader${term}`, cls: 'leader' };
      case 'become-candidate': return { text: `campaigns: asks for votes${term}`, cls: '' };
      case 'become-pre-candidate': return { text: `pre-vote: asks whether it could win an election${term}`, cls: '' };
      case 'become-follower': return { text: e.leader ? `follows ${e.leader}${term}` : `follower, no leader known${term}`, cls: '' };
      case 'crash': return { text: 'process killed', cls: 'bad' };
      case 'restart': return { text: 'process started again', cls: '' };
      case 'start': return { text: 'process started for the first time', cls: '' };
      case 'stop': return { text: `stopped: ${e.detail || ''}`, cls: 'bad' };
      case 'partition': return { text: `network split: ${e.detail || ''}`, cls: 'bad' };
      case 'heal': return { text: 'network healed', cls: '' };
      case 'loss': return { text: e.detail || 'message loss changed', cls: '' };
      case 'conf-change': return { text: `applied membership change: ${e.detail || ''}${e.index ? ` at index ${e.index}` : ''}`, cls: 'op' };
      case 'commit': return { text: `committed up to index ${e.index}`, cls: 'muted' };
      case 'op': return { text: e.detail || 'operation', cls: 'op' };
      case 'transfer-start': case 'transfer-end': return { text: e.detail || e.event, cls: 'op' };
      default: return { text: e.detail || e.event, cls: /refused|dropped|aborted|failed|stepped down|rejected/.test(e.detail || '') ? 'bad' : (/^operator:/.test(e.detail || '') ? 'op' : '') };
    }
  }

  function eventItem(e) {
    const { text, cls } = eventText(e);
    return el('li', { class: cls, 'data-event': e.event },
      el('span', { class: 't' }, fmtT(e.t)), el('span', { class: 'who' }, e.node || 'cluster'), el('span', { class: 'what' }, text));
  }

  function renderEvents(force) {
    const t = Math.min(cursor, end);
    const count = lastAtOrBefore(events, t, byT) + 1;
    const commits = ui.showCommits.checked;
    const sid = session ? session.id : null;
    if (!force && count === shownEvents.count && commits === shownEvents.commits && sid === shownEvents.sessionId) return;
    const keep = (e) => commits || e.event !== 'commit';
    if (!force && sid === shownEvents.sessionId && commits === shownEvents.commits && count > shownEvents.count && shownEvents.count >= 0) {
      for (let i = shownEvents.count; i < count; i++) if (keep(events[i])) ui.events.append(eventItem(events[i]));
      while (ui.events.children.length > MAX_EVENTS_SHOWN) ui.events.firstChild.remove();
    } else {
      const items = [];
      for (let i = count - 1; i >= 0 && items.length < MAX_EVENTS_SHOWN; i--) if (keep(events[i])) items.push(eventItem(events[i]));
      ui.events.replaceChildren(...items.reverse());
    }
    shownEvents = { count, commits, sessionId: sid };
    ui.events.scrollTop = ui.events.scrollHeight;
  }

  // ---- operation results -------------------------------------------------------------------------------
  function checkMark(c) {
    if (c.ok) return el('span', { class: 'ok', 'aria-label': 'passed' }, '✓');
    return c.severity === 'warning' ? el('span', { class: 'warn', 'aria-label': 'warning' }, '⚠') : el('span', { class: 'bad', 'aria-label': 'failed' }, '✗');
  }
  function renderOps() {
    ui.opResult.replaceChildren();
    if (!ops.length) return;
    ui.opResult.append(el('h2', {}, session && session.kind === 'rehearsal' ? 'Rehearsal result' : 'Operations'));
    [...ops].reverse().forEach((op, i) => {
      const outcome = op.ok ? 'succeeded' : op.refused ? 'refused' : 'failed';
      const details = el('details', { class: 'card result-card', open: i === 0, 'data-op-ok': op.ok ? 'true' : 'false' },
        el('summary', {}, el('span', { class: op.ok ? 'ok' : 'bad' }, op.ok ? '✓ ' : '✗ '), el('strong', {}, op.title), ` ${outcome} at ${fmtT(op.started)} (took ${fmtMs(op.ended - op.started)})`),
        el('p', {}, op.reason),
        el('p', {}, 'Leaderless while it ran: ', el('strong', {}, op.leaderlessMs === null ? 'not measured' : fmtMs(op.leaderlessMs)), ' as the ops engine polled it; ',
          el('strong', {}, fmtMs(op.unwritableMs)), ' without a leader able to commit, as the simulator measured it.'));
      if (op.plan.length) details.append(el('div', { class: 'muted' }, 'Plan'), el('ol', {}, ...op.plan.map((p) => el('li', {}, p))));
      if (op.checks.length) details.append(el('div', { class: 'muted' }, 'Checks'), el('ul', {}, ...op.checks.map((c) => el('li', {}, checkMark(c), ' ', c.detail))));
      if (op.steps.length) {
        details.append(el('div', { class: 'muted' }, 'Steps'), el('table', {},
          el('tr', {}, el('th', {}, 'step'), el('th', {}, 'status'), el('th', {}, 'time'), el('th', {}, 'detail')),
          ...op.steps.map((s) => el('tr', {}, el('td', {}, s.name), el('td', { class: s.status === 'done' ? 'ok' : s.status === 'failed' ? 'bad' : 'muted' }, s.status), el('td', { class: 'mono' }, fmtMs(s.ms)), el('td', {}, s.detail)))));
      }
      ui.opResult.append(details);
    });
  }

  // ---- Monte-Carlo -------------------------------------------------------------------------------------
  function niceCeil(x) {
    if (x <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(x)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
    return 10 * p;
  }
  function chart(plan, maxX, id) {
    const W = 560; const H = 160; const left = 8; const top = 22; const bottom = 20; const bins = 24;
    const counts = new Array(bins).fill(0);
    for (const v of plan.perRun) counts[Math.min(bins - 1, Math.floor((v / maxX) * bins))]++;
    const maxCount = Math.max(1, ...counts);
    const s = svg('svg', { class: 'chart', id, viewBox: `0 0 ${W} ${H}`, role: 'img',
      'aria-label': `Histogram of leaderless time per run for ${plan.label}: ${plan.runs} runs, p50 ${fmtMs(plan.leaderlessMs.p50)}, p95 ${fmtMs(plan.leaderlessMs.p95)}, max ${fmtMs(plan.leaderlessMs.max)}` });
    const plotW = W - left - 8; const plotH = H - bottom - top;
    const bw = plotW / bins;
    counts.forEach((c, i) => {
      if (!c) return;
      const h = Math.max(1, (c / maxCount) * plotH);
      const bar = svg('rect', { class: 'bar', x: (left + i * bw + 1).toFixed(1), y: (top + plotH - h).toFixed(1), width: (bw - 2).toFixed(1), height: h.toFixed(1) });
      const tip = svg('title', {}); tip.textContent = `${c} run(s) with ${fmtMs((i * maxX) / bins)} – ${fmtMs(((i + 1) * maxX) / bins)} leaderless`;
      bar.append(tip);
      s.append(bar);
    });
    s.append(svg('line', { class: 'axis', x1: left, y1: top + plotH, x2: W - 8, y2: top + plotH }));
    const p95x = left + Math.min(1, plan.leaderlessMs.p95 / maxX) * plotW;
    s.append(svg('line', { class: 'p95', x1: p95x.toFixed(1), y1: top - 4, x2: p95x.toFixed(1), y2: top + plotH }));
    const text = (x, y, str, anchor) => { const t = svg('text', { x, y, 'text-anchor': anchor || 'middle' }); t.textContent = str; s.append(t); };
    text(left, H - 5, '0', 'start'); text(left + plotW / 2, H - 5, fmtMs(maxX / 2)); text(W - 8, H - 5, fmtMs(maxX), 'end');
    text(left, 13, `leaderless time per run (tallest bar: ${maxCount} of ${plan.runs} runs)`, 'start');
    text(Math.min(p95x + 3, W - 30), top + 8, 'p95', 'start');
    return s;
  }
  function renderMonteCarlo() {
    ui.mcSummary.replaceChildren();
    if (!mcView) { ui.mcSummary.removeAttribute('data-runs'); return; }
    const v = mcView;
    ui.mcSummary.setAttribute('data-runs', String(v.plans.reduce((a, p) => a + p.runs, 0)));
    const maxX = niceCeil(Math.max(1, ...v.plans.flatMap((p) => p.perRun)));
    const cols = el('div', { class: 'plans' });
    v.plans.forEach((p, i) => {
      const suffix = i === 0 ? '' : `-${i + 1}`;
      const dist = (d) => `p50 ${fmtMs(d.p50)} · p95 ${fmtMs(d.p95)} · max ${fmtMs(d.max)}`;
      const replay = el('button', { id: `replay-worst${suffix}`, class: 'replay-worst', 'data-plan': p.key, 'data-seed': p.worstSeed,
        onclick: () => { setPlaying(false); post({ type: 'replay', kind: v.replay.kind, plan: p.key, seed: p.worstSeed, members: v.replay.members }); } },
        `Replay worst seed ${p.worstSeed} (${fmtMs(p.worstLeaderlessMs)} leaderless)`);
      cols.append(el('section', { class: 'plan card', 'data-plan': p.key, 'aria-label': p.label },
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
        p.errors.length ? el('ul', { class: 'muted' }, ...p.errors.map((e) => el('li', {}, `${e.count}× ${e.error}`))) : null));
    });
    ui.mcSummary.append(el('h3', {}, v.title), cols);
  }

  // ---- messages from the host --------------------------------------------------------------------------
  function resetSession(info, at) {
    session = info;
    frames = []; messages = []; msgById.clear(); events = []; ops = [];
    end = 0; done = false; continuePastEnd = false; advancePending = false; maxFlightMs = 5;
    cursor = at || 0;
    if (!at) setPlaying(false);
    renderedNodes = '';
    shownEvents = { count: -1, commits: null, sessionId: null };
    ui.title.textContent = info.title;
    const lead = info.subtitle && !/[.!?]$/.test(info.subtitle) ? `${info.subtitle}.` : info.subtitle;
    ui.subtitle.textContent = `${lead} Seed ${info.seed}; ${info.members} members; heartbeat ${info.heartbeatMs} ms, election timeout ${info.electionMs} ms, peer latency ${info.latencyMs} ms.`;
    ui.notes.replaceChildren(...(info.notes || []).map((n) => el('li', {}, n)));
    ui.scenario.querySelector('option[value="rehearsal"]')?.remove();
    if (info.scenario && [...ui.scenario.options].some((o) => o.value === info.scenario)) ui.scenario.value = info.scenario;
    else if (info.kind === 'sandbox') ui.scenario.value = SANDBOX;
    else if (info.kind === 'rehearsal') {
      // Not a scenario: shown as such until the operator picks one.
      ui.scenario.append(el('option', { value: 'rehearsal', disabled: true }, '(rehearsal)'));
      ui.scenario.value = 'rehearsal';
    }
    ui.seed.value = String(info.seed);
    ui.members.value = String(info.members);
    renderOps();
    render();
  }

  function addHistory(m) {
    for (const f of m.frames) frames.push(f);
    for (const msg of m.messages) {
      messages.push(msg);
      msgById.set(msg.id, msg);
      if (msg.arrive !== null && msg.arrive - msg.sent > maxFlightMs) maxFlightMs = msg.arrive - msg.sent;
    }
    for (const [id, doneAt, ok] of m.settled) {
      const msg = msgById.get(id);
      if (msg) { msg.done = doneAt; msg.ok = ok; }
    }
    for (const e of m.events) events.push(e);
    if (frames.length > MAX_FRAMES) trimBefore(frames[frames.length - MAX_FRAMES / 2].t);
    end = Math.max(end, m.end);
    done = m.done;
    advancePending = false;
    if (!playing) render();
    else ensureAhead();
  }

  /** Forgets history before `t` (keeping the frame in force at `t`), so a sandbox left playing stays light. */
  function trimBefore(t) {
    const fi = Math.max(0, lastAtOrBefore(frames, t, byT));
    frames = frames.slice(fi);
    const mi = lastAtOrBefore(messages, t - maxFlightMs - 1, bySent) + 1;
    for (const m of messages.slice(0, mi)) msgById.delete(m.id);
    messages = messages.slice(mi);
    events = events.slice(lastAtOrBefore(events, t, byT) + 1);
    shownEvents = { count: -1, commits: null, sessionId: null };
    if (cursor < frames[0].t) cursor = frames[0].t;
  }

  window.addEventListener('message', (e) => {
    const m = e.data;
    if (!m || typeof m.type !== 'string') return;
    switch (m.type) {
      case 'init':
        scenarios = m.scenarios;
        fillScenarios(m.defaults);
        updateButtons();
        break;
      case 'session': resetSession(m.session, m.cursor); status(''); break;
      case 'history': if (session && m.sessionId === session.id) addHistory(m); break;
      case 'op': if (session && m.sessionId === session.id) { ops.push(m.op); renderOps(); } break;
      case 'mc-progress':
        ui.mcProgress.replaceChildren(el('span', {}, `${m.title}: `), el('progress', { max: m.total, value: m.done, 'aria-label': 'Monte-Carlo progress' }), ` ${m.done}/${m.total}`);
        break;
      case 'mc':
        mcView = m.view;
        ui.mcProgress.textContent = `${m.view.title}: done.`;
        renderMonteCarlo();
        break;
      case 'status': status(m.message, m.error); break;
    }
  });

  build();
  post({ type: 'ready' });
})();
