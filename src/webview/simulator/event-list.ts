// The events up to the cursor, in an operator's words; appended to as the cursor moves forward.
import type { EventView } from '../../extension/simulator/protocol';
import { byT, el, fmtT, lastAtOrBefore } from './dom';
import { state } from './state';

const MAX_EVENTS_SHOWN = 300;

export class EventList {
  readonly list = el('ol', { id: 'events', 'aria-label': 'Events up to the cursor' });
  readonly showCommits = el('input', { id: 'show-commits', type: 'checkbox' });
  private shown: { count: number; commits: boolean | null; sessionId: number | null } = { count: -1, commits: null, sessionId: null };

  constructor() {
    this.showCommits.addEventListener('change', () => this.render(true));
  }

  /** The next render rebuilds the list. */
  invalidate(): void {
    this.shown = { count: -1, commits: null, sessionId: null };
  }

  render(force: boolean): void {
    const t = Math.min(state.cursor, state.end);
    const events = state.events;
    const count = lastAtOrBefore(events, t, byT) + 1;
    const commits = this.showCommits.checked;
    const sid = state.session ? state.session.id : null;
    const shown = this.shown;
    if (!force && count === shown.count && commits === shown.commits && sid === shown.sessionId) return;
    const keep = (e: EventView) => commits || e.event !== 'commit';
    if (!force && sid === shown.sessionId && commits === shown.commits && count > shown.count && shown.count >= 0) {
      for (let i = shown.count; i < count; i++) if (keep(events[i])) this.list.append(eventItem(events[i]));
      while (this.list.children.length > MAX_EVENTS_SHOWN) this.list.firstChild?.remove();
    } else {
      const items: HTMLElement[] = [];
      for (let i = count - 1; i >= 0 && items.length < MAX_EVENTS_SHOWN; i--) if (keep(events[i])) items.push(eventItem(events[i]));
      this.list.replaceChildren(...items.reverse());
    }
    this.shown = { count, commits, sessionId: sid };
    this.list.scrollTop = this.list.scrollHeight;
  }
}

function eventText(e: EventView): { text: string; cls: string } {
  const term = e.term !== null && e.term !== undefined ? ` (term ${e.term})` : '';
  const detail = e.detail || '';
  switch (e.event) {
    case 'become-leader': return { text: `became leader${term}`, cls: 'leader' };
    case 'become-candidate': return { text: `campaigns: asks for votes${term}`, cls: '' };
    case 'become-pre-candidate': return { text: `pre-vote: asks whether it could win an election${term}`, cls: '' };
    case 'become-follower': return { text: e.leader ? `follows ${e.leader}${term}` : `follower, no leader known${term}`, cls: '' };
    case 'crash': return { text: 'process killed', cls: 'bad' };
    case 'restart': return { text: 'process started again', cls: '' };
    case 'start': return { text: 'process started for the first time', cls: '' };
    case 'stop': return { text: `stopped: ${detail}`, cls: 'bad' };
    case 'partition': return { text: `network split: ${detail}`, cls: 'bad' };
    case 'heal': return { text: 'network healed', cls: '' };
    case 'loss': return { text: detail || 'message loss changed', cls: '' };
    case 'conf-change': return { text: `applied membership change: ${detail}${e.index ? ` at index ${e.index}` : ''}`, cls: 'op' };
    case 'commit': return { text: `committed up to index ${e.index}`, cls: 'muted' };
    case 'op': return { text: detail || 'operation', cls: 'op' };
    case 'transfer-start': case 'transfer-end': return { text: detail || e.event, cls: 'op' };
    default: return { text: detail || e.event, cls: /refused|dropped|aborted|failed|stepped down|rejected/.test(detail) ? 'bad' : (/^operator:/.test(detail) ? 'op' : '') };
  }
}

function eventItem(e: EventView): HTMLElement {
  const { text, cls } = eventText(e);
  return el('li', { class: cls, 'data-event': e.event },
    el('span', { class: 't' }, fmtT(e.t)), el('span', { class: 'who' }, e.node || 'cluster'), el('span', { class: 'what' }, text));
}
