// One card per member at the cursor: role, state, term and indexes, the newest log entries, and the
// operator's actions on that member.
import type { ActionKind, Frame, NodeView } from '../../extension/simulator/protocol';
import { el } from './dom';

export type MemberAction = (action: ActionKind, slot: number) => void;

export class NodeCards {
  readonly root = el('div', { id: 'nodes', 'aria-label': 'Members' });

  constructor(private readonly onAction: MemberAction) {}

  build(frame: Frame): void {
    this.root.replaceChildren(...frame.nodes.map((v) => this.card(v)));
  }

  update(frame: Frame): void {
    frame.nodes.forEach((v, i) => {
      const card = this.root.children[i];
      if (card instanceof HTMLElement) updateCard(card, v);
    });
  }

  private card(v: NodeView): HTMLElement {
    const name = v.name;
    const button = (action: ActionKind, label: string, title: string) => el('button', {
      class: 'secondary', 'data-action': action, 'aria-label': `${label} ${name}`, title, onclick: () => this.onAction(action, v.slot),
    }, label);
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
}

function stateText(v: NodeView): string {
  switch (v.state) {
    case 'running':
      if (v.busyUntil !== null) return `defragmenting until ${(v.busyUntil / 1000).toFixed(1)} s: handles no raft message, no read`;
      if (v.transferee) return `transferring to ${v.transferee}`;
      if (v.lead && v.role !== 'leader') return `follows ${v.lead}`;
      return v.role === 'leader' ? '' : 'no leader known';
    case 'down': return 'process down';
    case 'stopping': return 'stopping';
    case 'removed': return 'removed from the cluster';
    default: return 'added, not started';
  }
}

function updateCard(card: HTMLElement, v: NodeView): void {
  // A member whose process is down leads nothing, whatever its Raft state was when it stopped.
  const up = v.state === 'running' || v.state === 'stopping';
  const role = up ? v.role : v.state;
  card.setAttribute('data-role', role);
  card.setAttribute('data-state', v.state);
  card.setAttribute('data-learner', v.learner ? 'true' : 'false');
  card.setAttribute('data-term', String(v.term));
  card.setAttribute('data-commit', String(v.commit));
  const text = (selector: string, value: string) => { const n = card.querySelector(selector); if (n) n.textContent = value; };
  text('.role', v.learner ? `learner${up ? ` (${v.role})` : ''}` : role);
  text('.state', stateText(v));
  text('.stats', `term ${v.term} · commit ${v.commit} · applied ${v.applied} · last ${v.last}${v.group ? ` · partition ${v.group}` : ''}`
    + ` · db ${v.dbMiB} MiB (${v.dbInUseMiB} in use)`);
  card.setAttribute('data-busy', v.busyUntil !== null ? 'true' : 'false');
  card.setAttribute('aria-label', `${v.name}: ${v.learner ? 'learner' : v.role}, ${v.state}, term ${v.term}, commit ${v.commit}`);
  const log = card.querySelector<HTMLElement>('.log');
  const key = `${v.logStart}:${v.logTerms.join(',')}:${v.commit}:${v.logConf.join(',')}`;
  if (log && log.dataset.key !== key) {
    log.dataset.key = key;
    const items: HTMLElement[] = [];
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
  const set = (action: ActionKind, enabled: boolean) => {
    const b = card.querySelector<HTMLButtonElement>(`[data-action="${action}"]`);
    if (b) b.disabled = !enabled;
  };
  set('crash', up);
  set('restart', v.state === 'down');
  set('isolate', up);
  set('transfer', up && v.role !== 'leader' && !v.learner);
  set('remove', v.state !== 'removed');
  set('remove-direct', v.state !== 'removed');
}
