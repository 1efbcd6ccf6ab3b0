// The picture of the cluster at the cursor: one circle per member, the links between them (cut across a
// partition), the messages in flight as dots travelling along the links, and whether a leader can commit.
import type { Frame, MessageView, NodeView } from '../../extension/simulator/protocol';
import { bySent, el, lastAtOrBefore, svg } from './dom';
import { state } from './state';

const NODE_R = 36;
const MAX_DOTS = 80;
const SHORT: Record<string, string> = {
  MsgApp: 'App', MsgAppResp: 'AppResp', MsgHeartbeat: 'HB', MsgHeartbeatResp: 'HBResp', MsgVote: 'Vote', MsgVoteResp: 'VoteResp',
  MsgPreVote: 'PreVote', MsgPreVoteResp: 'PreVoteResp', MsgTimeoutNow: 'TimeoutNow', MsgTransferLeader: 'Transfer', MsgSnap: 'Snap', MsgProp: 'Prop',
};

interface Point { x: number; y: number }

export class Stage {
  readonly root: HTMLElement;
  private readonly svgRoot = svg('svg', { id: 'stage', viewBox: '0 0 420 300', role: 'img', 'aria-label': 'Cluster members and messages in flight' });
  private readonly links = svg('g');
  private readonly dots = svg('g');
  private readonly nodes = svg('g');
  private readonly writable = el('span', { id: 'writable', class: 'badge', 'data-writable': 'false' }, '');
  private readonly inflight = el('span', { class: 'muted' }, '');
  private pos: Point[] = [];
  /** Messages shown at the last render (slow motion slows down while there are any). */
  dotsShown = 0;

  constructor() {
    this.svgRoot.append(this.links, this.nodes, this.dots);
    const legend = el('div', { class: 'legend muted', 'aria-hidden': 'true' },
      el('span', {}, el('span', { class: 'dot app' }), 'append'), el('span', {}, el('span', { class: 'dot heartbeat' }), 'heartbeat'),
      el('span', {}, el('span', { class: 'dot vote' }), 'vote / pre-vote'), el('span', {}, el('span', { class: 'dot transfer' }), 'transfer'),
      el('span', {}, el('span', { class: 'dot lost' }), 'lost'), this.inflight);
    this.root = el('div', { class: 'stage-wrap' });
    this.root.append(this.svgRoot, this.writable, legend);
  }

  /** Lays the members out on a circle. */
  build(frame: Frame): void {
    const n = frame.nodes.length;
    this.pos = positions(n);
    this.nodes.replaceChildren();
    this.links.replaceChildren();
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        this.links.append(svg('line', { class: 'link', 'data-link': `${i}-${j}`, x1: this.pos[i].x, y1: this.pos[i].y, x2: this.pos[j].x, y2: this.pos[j].y }));
      }
      const g = svg('g', { class: 'svg-node', 'data-svg-node': frame.nodes[i].name });
      g.append(svg('circle', { cx: this.pos[i].x, cy: this.pos[i].y, r: NODE_R }));
      const nm = frame.nodes[i].name;
      const name = svg('text', { x: this.pos[i].x, y: this.pos[i].y - 7, class: nm.length > 6 ? 'name long' : 'name' });
      name.textContent = nm;
      const role = svg('text', { class: 'role', x: this.pos[i].x, y: this.pos[i].y + 9 });
      g.append(name, role);
      this.nodes.append(g);
    }
  }

  update(frame: Frame): void {
    frame.nodes.forEach((v, i) => this.updateNode(i, v));
    for (const line of Array.from(this.links.children)) {
      const [i, j] = (line.getAttribute('data-link') ?? '0-0').split('-').map(Number);
      const cut = frame.nodes[i].group !== frame.nodes[j].group;
      line.setAttribute('class', cut ? 'link cut' : 'link');
    }
    this.writable.setAttribute('data-writable', frame.writable ? 'true' : 'false');
    this.writable.textContent = frame.writable ? 'a leader can commit writes' : 'no leader can commit writes';
    this.writable.className = `badge ${frame.writable ? '' : 'bad'}`;
  }

  private updateNode(i: number, v: NodeView): void {
    const g = this.nodes.children[i];
    if (!g) return;
    // A member whose process is down leads nothing, whatever its Raft state was when it stopped.
    const up = v.state === 'running' || v.state === 'stopping';
    const role = up ? v.role : v.state;
    g.setAttribute('data-role', role);
    g.setAttribute('data-state', v.state);
    g.setAttribute('data-learner', v.learner ? 'true' : 'false');
    g.children[2].textContent = `${v.learner ? 'learner' : role} · T${v.term}`;
  }

  /** Draws the messages in flight at `t`. */
  renderMessages(t: number): void {
    const latency = state.session ? Math.max(0.2, state.session.latencyMs) : 1;
    const lostShow = 3 * latency;
    const { messages, maxFlightMs } = state;
    const hi = lastAtOrBefore(messages, t, bySent);
    const shown: MessageView[] = [];
    for (let i = hi; i >= 0 && shown.length < MAX_DOTS; i--) {
      const m = messages[i];
      if (m.sent < t - Math.max(maxFlightMs, lostShow) - 1) break;
      const until = m.arrive === null ? m.sent + lostShow : m.arrive;
      if (t >= until) continue;
      if (!this.pos[m.from] || !this.pos[m.to]) continue;
      shown.push(m);
    }
    this.dots.replaceChildren();
    const labels = shown.length <= 10;
    for (const m of shown) {
      const a = this.pos[m.from];
      const b = this.pos[m.to];
      const span = m.arrive === null ? lostShow : Math.max(1e-6, m.arrive - m.sent);
      let p = Math.min(1, Math.max(0, (t - m.sent) / span));
      if (m.arrive === null) p = Math.min(0.35, p);
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len = Math.hypot(dx, dy) || 1;
      // From the edge of one circle to the edge of the other; requests and answers on either side of the link.
      const edge = Math.min(0.45, (NODE_R + 6) / len);
      const ox = (-dy / len) * 7;
      const oy = (dx / len) * 7;
      const f = edge + (1 - 2 * edge) * p;
      const x = a.x + dx * f + ox;
      const y = a.y + dy * f + oy;
      const dot = svg('circle', { class: `msg ${msgClass(m)}`, cx: x.toFixed(1), cy: y.toFixed(1), r: 5, 'data-msg': m.type });
      const tip = svg('title');
      tip.textContent = `${m.type} ${m.from + 1}→${m.to + 1}, term ${m.term}${m.entries ? `, ${m.entries} entries` : ''}${m.reject ? ', reject' : ''}`
        + `${m.arrive === null ? ', lost on the way' : m.ok === false ? ', dropped at the receiver' : ''}`;
      dot.append(tip);
      this.dots.append(dot);
      if (labels) {
        const label = svg('text', { class: 'msg-label', x: x.toFixed(1), y: (y - 8).toFixed(1) });
        label.textContent = SHORT[m.type] || m.type;
        this.dots.append(label);
      }
    }
    this.inflight.textContent = `${shown.length} in flight`;
    this.dotsShown = shown.length;
  }
}

function positions(n: number): Point[] {
  const cx = 210;
  const cy = 150;
  const r = n <= 1 ? 0 : 105;
  return Array.from({ length: n }, (_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) };
  });
}

function msgClass(m: MessageView): string {
  if (m.arrive === null || m.ok === false) return 'lost';
  if (/Heartbeat/.test(m.type)) return 'heartbeat';
  if (/Vote/.test(m.type)) return 'vote';
  if (/TimeoutNow|TransferLeader/.test(m.type)) return 'transfer';
  if (/Snap/.test(m.type)) return 'snap';
  return 'app';
}
