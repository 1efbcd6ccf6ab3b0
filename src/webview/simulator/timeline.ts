// Renders the recording at the cursor: the time slider and label, the cluster picture, the member cards
// and the event list, each from the frame in force at that moment.
import { byT, el, fmtT, lastAtOrBefore } from './dom';
import { EventList } from './event-list';
import { MemberAction, NodeCards } from './node-cards';
import { Stage } from './stage';
import { state } from './state';

export class Timeline {
  readonly slider = el('input', { id: 'timeline', type: 'range', min: 0, max: 0, step: 'any', value: 0, 'aria-label': 'Timeline (virtual time)' });
  readonly time = el('span', { id: 'time', class: 'mono', 'aria-live': 'off' }, '0.000 s / 0.000 s');
  readonly stage = new Stage();
  readonly cards: NodeCards;
  readonly events = new EventList();
  private renderedNodes = '';

  constructor(onAction: MemberAction) {
    this.cards = new NodeCards(onAction);
  }

  /** A new session: members are laid out again and the event list rebuilt. */
  reset(): void {
    this.renderedNodes = '';
    this.events.invalidate();
  }

  render(): void {
    const { frames, end, done } = state;
    const t = Math.min(state.cursor, end);
    this.slider.min = String(frames.length ? Math.min(frames[0].t, t) : 0);
    this.slider.max = String(Math.max(end, 0.001));
    this.slider.value = String(t);
    this.time.textContent = `${fmtT(t)} / ${fmtT(end)}${done ? '' : ' …'}`;
    const fi = lastAtOrBefore(frames, t, byT);
    const frame = fi >= 0 ? frames[fi] : frames[0];
    if (frame) {
      const names = frame.nodes.map((x) => x.name).join('|');
      if (names !== this.renderedNodes) {
        this.stage.build(frame);
        this.cards.build(frame);
        this.renderedNodes = names;
      }
      this.stage.update(frame);
      this.cards.update(frame);
    }
    this.stage.renderMessages(t);
    this.events.render(false);
  }
}
