// A small interpreter for the subset of etcd-io/raft's data-driven command language (rafttest/
// interaction_env_handler*.go) that the reference cases in /work/shared/raft-testdata use. It drives the
// simulator's RaftNode directly, with raft's Ready semantics: a node's outgoing messages are held until its
// Ready is handled (process-ready / stabilize), committed entries are applied then, and messages move only
// on deliver-msgs / stabilize.
//
// What is compared with etcd's recorded output (observable outcomes, not the exact message log):
//  - raft-state blocks, line for line (role, voter or not, term, leader);
//  - after stabilize / process-ready / deliver-msgs: each node's last printed HardState (term, vote, commit)
//    and soft state (leader, role);
//  - every "N became <role> at term T" line: the node's role and term after the command;
//  - "raft proposal dropped", "is unpromotable and can not campaign";
//  - raft-log entries (term/index) and status lines (progress state and match).
// Not modelled (the command fails loudly with UnsupportedCommand): joint consensus (several changes in one
// ConfChangeV2) — etcd's membership API only issues single v1 changes.
import * as fs from 'node:fs';
import { Msg, MsgPool } from '../../../src/core/sim/messages';
import { Prng } from '../../../src/core/sim/prng';
import { CONF_ADD_LEARNER, CONF_ADD_VOTER, CONF_REMOVE, encodeConf, ENTRY_CONF, ENTRY_NORMAL } from '../../../src/core/sim/raft-log';
import { bit, NONE, PROGRESS_STATE_NAMES, RaftHost, RaftNode } from '../../../src/core/sim/raft-node';

export class UnsupportedCommand extends Error {}

export interface Block {
  line: number;
  command: string;
  args: string[];
  body: string[];
  expected: string[];
}

/** Splits a testdata file into command blocks: command line(s), "----", expected output up to a blank line. */
export function parseTestdata(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (!l.trim() || l.startsWith('#')) { i++; continue; }
    const start = i + 1;
    const head = l.trim().split(/\s+/);
    const body: string[] = [];
    i++;
    while (i < lines.length && lines[i] !== '----') body.push(lines[i++]);
    i++; // ----
    const expected: string[] = [];
    while (i < lines.length && lines[i] !== '') expected.push(lines[i++]);
    blocks.push({ line: start, command: head[0], args: head.slice(1), body, expected });
  }
  return blocks;
}

const STATE_NAMES = ['StateFollower', 'StatePreCandidate', 'StateCandidate', 'StateLeader'];
const ROLE_WORDS: Record<string, number> = { follower: 0, 'pre-candidate': 1, candidate: 2, leader: 3 };
const ELECTION_TICKS = 3; // rafttest's ElectionTick
const HEARTBEAT_TICKS = 1;

class InteractionHost implements RaftHost {
  readonly tracing = true;
  readonly pool = new MsgPool();
  readonly rng = new Prng(1);
  notes: string[] = [];
  outbox = new Map<number, Msg[]>();
  newMsg(): Msg { return this.pool.get(); }
  send(m: Msg): void {
    const q = this.outbox.get(m.from) ?? [];
    q.push(m);
    this.outbox.set(m.from, q);
  }
  random(): number { return this.rng.next(); }
  note(node: RaftNode, text: string): void { this.notes.push(`${node.slot + 1} ${text}`); }
  onRole(): void {}
  onCommit(): void {}
  onApply(): void {}
  onSnapshot(): void {}
  onTransfer(): void {}
}

function parseIdList(v: string): number[] {
  return v.replace(/[()]/g, '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
}

function kv(args: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) m.set(a.slice(0, eq), a.slice(eq + 1));
  }
  return m;
}

export class Interaction {
  readonly host = new InteractionHost();
  readonly nodes: RaftNode[] = [];
  network: Msg[] = [];
  failures: string[] = [];
  checks = 0;
  private dataIds = new Map<string, number>();

  constructor(readonly file: string) {}

  private node(id: number): RaftNode {
    const n = this.nodes[id - 1];
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  private expect(cond: boolean, b: Block, what: string): void {
    this.checks++;
    if (!cond) this.failures.push(`${this.file}:${b.line} ${b.command} ${b.args.join(' ')}: ${what}`);
  }

  run(blocks: Block[]): void {
    for (const b of blocks) this.exec(b);
  }

  exec(b: Block): void {
    this.host.notes = [];
    const ids = b.args.filter((a) => /^\d+$/.test(a)).map(Number);
    const opts = kv(b.args);
    switch (b.command) {
      case 'log-level':
        break;
      case 'add-nodes': this.addNodes(ids[0], opts); break;
      case 'campaign': this.node(ids[0]).hup(false); break;
      case 'propose': {
        const data = this.dataIds.size + 1;
        this.dataIds.set(b.args[1] ?? '', data);
        const ok = this.node(ids[0]).propose(ENTRY_NORMAL, data);
        this.expect(ok === !b.expected.includes('raft proposal dropped'), b, `proposal ${ok ? 'accepted' : 'dropped'}`);
        break;
      }
      case 'propose-conf-change': this.proposeConfChange(ids[0], opts, b); break;
      case 'process-ready': for (const id of ids) this.processReady(id); break;
      case 'deliver-msgs': this.deliverMsgs(b.args); break;
      case 'stabilize': this.stabilize(ids.length ? ids : this.nodes.map((_, i) => i + 1)); break;
      case 'tick-heartbeat': this.ticks(ids[0], HEARTBEAT_TICKS); break;
      case 'tick-election': this.ticks(ids[0], ELECTION_TICKS); break;
      case 'transfer-leadership': this.node(Number(opts.get('from'))).transferLeadership(Number(opts.get('to')) - 1); break;
      case 'forget-leader': this.node(ids[0]).forgetLeader(); break;
      case 'set-randomized-election-timeout': this.node(ids[0]).randomizedTimeout = Number(opts.get('timeout')); break;
      case 'raft-state': this.checkRaftState(b); return;
      case 'raft-log': this.checkRaftLog(ids[0], b); return;
      case 'status': this.checkStatus(ids[0], b); return;
      default: throw new UnsupportedCommand(`${this.file}:${b.line}: command ${b.command} is not modelled`);
    }
    this.checkOutcomes(b);
  }

  private addNodes(n: number, opts: Map<string, string>): void {
    const voters = opts.has('voters') ? parseIdList(opts.get('voters')!) : [];
    const learners = opts.has('learners') ? parseIdList(opts.get('learners')!) : [];
    const index = opts.has('index') ? Number(opts.get('index')) : 0;
    const cfg = {
      electionTicks: ELECTION_TICKS, heartbeatTicks: HEARTBEAT_TICKS, preVote: opts.get('prevote') === 'true',
      checkQuorum: opts.get('checkquorum') === 'true', stepDownOnRemoval: false,
    };
    for (let k = 0; k < n; k++) {
      const slot = this.nodes.length;
      const node = new RaftNode(slot, cfg, this.host);
      if (opts.has('voters')) {
        node.initState(0, index, voters.reduce((m, id) => m | bit(id - 1), 0), learners.reduce((m, id) => m | bit(id - 1), 0), NONE);
        node.log.restore(index, 1); // rafttest bootstraps from a snapshot at term 1
        node.vote = NONE;
      }
      this.nodes.push(node);
    }
  }

  private proposeConfChange(id: number, opts: Map<string, string>, b: Block): void {
    const changes = b.body.join(' ').trim().split(/\s+/).filter(Boolean);
    if (changes.length !== 1) throw new UnsupportedCommand(`${this.file}:${b.line}: joint consensus (${changes.join(' ')}) is not modelled`);
    if (opts.get('transition') === 'explicit') throw new UnsupportedCommand(`${this.file}:${b.line}: explicit joint transitions are not modelled`);
    const c = changes[0];
    const target = Number(c.slice(1)) - 1;
    const op = c[0] === 'v' ? CONF_ADD_VOTER : c[0] === 'r' ? CONF_REMOVE : c[0] === 'l' ? CONF_ADD_LEARNER : -1;
    if (op < 0) throw new UnsupportedCommand(`conf change ${c}`);
    const ok = this.node(id).propose(ENTRY_CONF, encodeConf(op, target));
    this.expect(ok, b, 'conf change proposal dropped');
  }

  private hasReady(id: number): boolean {
    const n = this.node(id);
    return (this.host.outbox.get(id - 1)?.length ?? 0) > 0 || n.applied < n.commit;
  }

  /** Handles a node's Ready: apply committed entries (which may emit more), then release its messages. */
  private processReady(id: number): void {
    const n = this.node(id);
    n.advanceApplied();
    const out = this.host.outbox.get(id - 1) ?? [];
    this.host.outbox.set(id - 1, []);
    this.network.push(...out);
  }

  private deliverTo(id: number, drop: boolean): boolean {
    const mine = this.network.filter((m) => m.to === id - 1);
    if (!mine.length) return false;
    this.network = this.network.filter((m) => m.to !== id - 1);
    for (const m of mine) {
      if (!drop && this.nodes[id - 1]) this.nodes[id - 1].step(m);
      this.host.pool.release(m);
    }
    return true;
  }

  private deliverMsgs(args: string[]): void {
    const opts = kv(args);
    if (opts.has('drop')) for (const id of parseIdList(opts.get('drop')!)) this.deliverTo(id, true);
    for (const a of args) if (/^\d+$/.test(a)) this.deliverTo(Number(a), false);
  }

  private stabilize(ids: number[]): void {
    for (let round = 0; round < 1000; round++) {
      let done = true;
      for (const id of ids) if (this.hasReady(id)) { done = false; this.processReady(id); }
      for (const id of ids) if (this.deliverTo(id, false)) done = false;
      if (done) return;
    }
    throw new Error('stabilize did not settle');
  }

  private ticks(id: number, n: number): void {
    const node = this.node(id);
    for (let i = 0; i < n; i++) {
      node.tick++;
      if (node.tick >= node.dueTick()) node.onTimer();
    }
  }

  private checkOutcomes(b: Block): void {
    const soft = new Map<number, { lead: number; state: string }>();
    const hard = new Map<number, { term: number; vote: number; commit: number }>();
    const became = new Map<number, { role: number; term: number }>();
    let current = 0;
    for (const raw of b.expected) {
      const l = raw.trim();
      let m = /^> (\d+) (handling Ready|receiving messages)/.exec(l);
      if (m) { current = Number(m[1]); continue; }
      if (/^Ready MustSync/.test(l) && b.command === 'process-ready') current = Number(b.args.find((a) => /^\d+$/.test(a)));
      m = /^Lead:(\d+) State:(\w+)/.exec(l);
      if (m && current) soft.set(current, { lead: Number(m[1]), state: m[2] });
      m = /^HardState Term:(\d+)(?: Vote:(\d+))? Commit:(\d+)/.exec(l);
      if (m && current) hard.set(current, { term: Number(m[1]), vote: Number(m[2] ?? 0), commit: Number(m[3]) });
      m = /^(?:INFO|WARN) (\d+) became (follower|pre-candidate|candidate|leader) at term (\d+)/.exec(l);
      if (m) {
        // A state change logged after a printed Ready supersedes what that Ready showed.
        became.set(Number(m[1]), { role: ROLE_WORDS[m[2]], term: Number(m[3]) });
        soft.delete(Number(m[1]));
        hard.delete(Number(m[1]));
      }
      m = /^WARN (\d+) is unpromotable and can not campaign/.exec(l);
      if (m) this.expect(this.host.notes.some((n) => n.startsWith(`${m![1]} is unpromotable`)), b, 'node campaigned though unpromotable');
    }
    for (const [id, s] of soft) {
      const n = this.node(id);
      this.expect(n.lead + 1 === s.lead && STATE_NAMES[n.role] === s.state, b,
        `node ${id} soft state Lead:${n.lead + 1} ${STATE_NAMES[n.role]}, expected Lead:${s.lead} ${s.state}`);
    }
    for (const [id, h] of hard) {
      const n = this.node(id);
      this.expect(n.term === h.term && n.vote + 1 === h.vote && n.commit === h.commit, b,
        `node ${id} HardState Term:${n.term} Vote:${n.vote + 1} Commit:${n.commit}, expected Term:${h.term} Vote:${h.vote} Commit:${h.commit}`);
    }
    for (const [id, r] of became) {
      const n = this.node(id);
      // Here a lone voter counts its own vote at once; etcd's newer raft waits for it to be persisted, so
      // right after `campaign` it is still a candidate there and already leader here.
      if (b.command === 'campaign' && n.role === 3 && n.voters === bit(n.slot)) continue;
      this.expect(n.role === r.role && n.term === r.term, b,
        `node ${id} is ${STATE_NAMES[n.role]} at term ${n.term}, expected ${STATE_NAMES[r.role]} at term ${r.term}`);
    }
  }

  private checkRaftState(b: Block): void {
    const actual = this.nodes.map((n, i) => `${i + 1}: ${STATE_NAMES[n.role]} (${n.isVoter() ? 'Voter' : 'Non-Voter'}) Term:${n.term} Lead:${n.lead + 1}`);
    this.expect(actual.join('\n') === b.expected.join('\n'), b, `raft-state:\n${actual.join('\n')}\nexpected:\n${b.expected.join('\n')}`);
  }

  private checkRaftLog(id: number, b: Block): void {
    const log = this.node(id).log;
    const actual: string[] = [];
    for (let i = log.snapIndex + 1; i <= log.lastIndex(); i++) actual.push(`${log.term(i)}/${i}`);
    const expected = b.expected.map((l) => l.split(' ')[0]);
    this.expect(actual.join(' ') === expected.join(' '), b, `raft-log ${actual.join(' ')}, expected ${expected.join(' ')}`);
  }

  private checkStatus(id: number, b: Block): void {
    const n = this.node(id);
    for (const l of b.expected) {
      const m = /^(\d+): (\w+) match=(\d+)/.exec(l);
      if (!m) continue;
      const peer = Number(m[1]) - 1;
      this.expect(n.match[peer] === Number(m[3]), b, `status: match of ${peer + 1} is ${n.match[peer]}, expected ${m[3]}`);
      if (peer !== n.slot) {
        this.expect(PROGRESS_STATE_NAMES[n.prState[peer]] === m[2], b,
          `status: ${peer + 1} is ${PROGRESS_STATE_NAMES[n.prState[peer]]}, expected ${m[2]}`);
      }
    }
  }
}

export function runTestdataFile(path: string): Interaction {
  const name = path.split('/').pop()!;
  const it = new Interaction(name);
  it.run(parseTestdata(fs.readFileSync(path, 'utf8')));
  return it;
}
