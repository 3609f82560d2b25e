import { describe, expect, it } from 'vitest';
import type { InboxEntry } from '../../../common/app/runs';
import {
  alertFor,
  COALESCE_MS,
  InboxNotifier,
  MIN_GAP_MS,
  noteDecidedHere,
  notificationOffer,
  type Alert,
  type AlertPermission,
  type Clock,
} from './notifications';

/** A clock whose time moves only when the test says so, running the timers that fall due. */
class ManualClock implements Clock {
  private time = 1_000_000;
  private timers: { at: number; callback: () => void; id: number }[] = [];
  private nextId = 1;
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, callback, id });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  };
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = until;
  }
}

let sequence = 0;
const entry = (kind: InboxEntry['kind'], summary: string, extra: Partial<InboxEntry> = {}): InboxEntry => ({
  id: `ck-${(++sequence).toString(16).padStart(8, '0')}`,
  kind,
  run: 'r-1a2b3c',
  step: 'flag',
  agent: 'r-1a2b3c-flag',
  summary,
  since: 0,
  host: 'vm',
  ...extra,
});

function world(options: { permission?: AlertPermission } = {}) {
  const clock = new ManualClock();
  const shown: Alert[] = [];
  const state = { permission: options.permission ?? ('granted' as AlertPermission), muted: false, attending: false, decided: new Set<string>() };
  const notifier = new InboxNotifier(
    {
      permission: () => state.permission,
      muted: () => state.muted,
      attending: () => state.attending,
      stillWaiting: (item) => !state.decided.has(item.id),
      show: (alert) => void shown.push(alert),
    },
    (item) => item.kind[0]!.toUpperCase() + item.kind.slice(1),
    clock,
  );
  return { clock, shown, state, notifier };
}

describe('InboxNotifier', () => {
  it('names a lone new item, where it waits, once the burst window has passed', () => {
    const { clock, shown, notifier } = world();
    const item = entry('checkpoint', 'greet.js takes -v');
    notifier.added(item);
    clock.advance(COALESCE_MS - 1);
    expect(shown).toEqual([]);
    clock.advance(1);
    expect(shown).toEqual([{ title: 'Checkpoint: greet.js takes -v', body: 'Waits on you on vm · r-1a2b3c · step flag · r-1a2b3c-flag', items: [item] }]);
  });

  it('coalesces a burst into one notification that counts them', () => {
    const { clock, shown, notifier } = world();
    const items = [entry('plan', 'Greet verbosely'), entry('question', 'Which port?'), entry('escalation', 'Tests fail on main'), entry('checkpoint', 'Docs'), entry('learnings', '2 learnings')];
    for (const item of items) {
      notifier.added(item);
      clock.advance(100);
    }
    notifier.added(items[1]!); // the same item twice is one item
    clock.advance(COALESCE_MS);
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toBe('5 new items wait on you');
    expect(shown[0]!.body).toBe('Plan: Greet verbosely\nQuestion: Which port?\nEscalation: Tests fail on main\nand 2 more');
    expect(shown[0]!.items).toEqual(items);
  });

  it('shows at most one notification per MIN_GAP_MS: later items wait and join the next', () => {
    const { clock, shown, notifier } = world();
    notifier.added(entry('checkpoint', 'one'));
    clock.advance(COALESCE_MS);
    notifier.added(entry('checkpoint', 'two'));
    clock.advance(2000);
    notifier.added(entry('checkpoint', 'three'));
    clock.advance(MIN_GAP_MS - 2000 - 1);
    expect(shown).toHaveLength(1);
    clock.advance(1);
    expect(shown.map((alert) => alert.title)).toEqual(['Checkpoint: one', '2 new items wait on you']);
  });

  it('drops items decided meanwhile, by anyone, or by this window', () => {
    const { clock, shown, state, notifier } = world();
    const gone = entry('question', 'gone');
    const mine = entry('checkpoint', 'mine');
    const left = entry('plan', 'left');
    notifier.added(gone);
    notifier.added(mine);
    notifier.added(left);
    state.decided.add(gone.id);
    noteDecidedHere(mine.host, mine.id);
    clock.advance(COALESCE_MS);
    expect(shown.map((alert) => alert.items)).toEqual([[left]]);
    // An item this window decided never notifies again, should it come back.
    notifier.added(mine);
    clock.advance(MIN_GAP_MS);
    expect(shown).toHaveLength(1);
  });

  it('stays silent while muted, without permission, or while the person watches the inbox', () => {
    for (const [condition, setup] of [
      ['muted', (state: ReturnType<typeof world>['state']) => (state.muted = true)],
      ['denied', (state: ReturnType<typeof world>['state']) => (state.permission = 'denied')],
      ['not asked yet', (state: ReturnType<typeof world>['state']) => (state.permission = 'default')],
      ['unsupported', (state: ReturnType<typeof world>['state']) => (state.permission = 'unsupported')],
      ['attending', (state: ReturnType<typeof world>['state']) => (state.attending = true)],
    ] as const) {
      const { clock, shown, state, notifier } = world();
      setup(state);
      notifier.added(entry('checkpoint', condition));
      clock.advance(COALESCE_MS);
      expect(shown, condition).toEqual([]);
    }
  });

  it('a silent burst does not hold back the next one', () => {
    const { clock, shown, state, notifier } = world();
    state.muted = true;
    notifier.added(entry('checkpoint', 'while muted'));
    clock.advance(COALESCE_MS);
    state.muted = false;
    notifier.added(entry('checkpoint', 'after'));
    clock.advance(COALESCE_MS);
    expect(shown.map((alert) => alert.title)).toEqual(['Checkpoint: after']);
  });

  it('stop() forgets what was waiting to be shown', () => {
    const { clock, shown, notifier } = world();
    notifier.added(entry('checkpoint', 'pending'));
    notifier.stop();
    clock.advance(MIN_GAP_MS);
    expect(shown).toEqual([]);
  });
});

describe('alertFor', () => {
  it('keeps titles to one short line', () => {
    const long = entry('question', `${'why '.repeat(60)}\nand more`, { run: null, step: null, agent: 'solo' });
    const alert = alertFor([long], () => 'Question');
    expect(alert.title.length).toBeLessThanOrEqual(120);
    expect(alert.title).toMatch(/^Question: why why .*…$/);
    expect(alert.body).toBe('Waits on you on vm · solo');
  });
});

describe('notificationOffer', () => {
  it('asks only while the browser has not been asked, says when it blocks, else offers the mute', () => {
    expect(notificationOffer('default', false)).toBe('ask');
    expect(notificationOffer('denied', false)).toBe('blocked');
    expect(notificationOffer('granted', false)).toBe('on');
    expect(notificationOffer('granted', true)).toBe('muted');
    expect(notificationOffer('unsupported', false)).toBe('none');
  });
});
