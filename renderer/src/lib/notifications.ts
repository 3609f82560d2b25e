import type { InboxEntry } from '../../../common/app/runs';
import { itemKey } from '../store/viewSlice';

/** New items arriving this close together make one notification ("3 new items"). */
export const COALESCE_MS = 1500;
/** At most one notification this often; what arrives meanwhile waits and joins the next. */
export const MIN_GAP_MS = 10_000;
/** Lines of a burst's notification that name items; the rest is counted. */
const LISTED = 3;

export type AlertPermission = NotificationPermission | 'unsupported';

/**
 * What the inbox header offers: nothing where the page has no notifications; a button that asks, which is the only
 * way permission is ever requested (from a click, once the person wants it); a note when the browser blocks them; else
 * the mute toggle.
 */
export type NotificationOffer = 'none' | 'ask' | 'blocked' | 'on' | 'muted';

export function notificationOffer(permission: AlertPermission, muted: boolean): NotificationOffer {
  if (permission === 'unsupported') return 'none';
  if (permission === 'default') return 'ask';
  if (permission === 'denied') return 'blocked';
  return muted ? 'muted' : 'on';
}

/** One desktop notification: its text, and the items a click opens (the first, or the inbox at it). */
export interface Alert {
  title: string;
  body: string;
  items: InboxEntry[];
}

/** What the notifier needs of the page: kept apart so the policy below is tested without a browser. */
export interface AlertSurface {
  permission(): AlertPermission;
  muted(): boolean;
  /** The person is looking at the inbox list right now: a new row there needs no notification. */
  attending(): boolean;
  /** The item still waits (not decided meanwhile, by anyone). */
  stillWaiting(entry: InboxEntry): boolean;
  show(alert: Alert): void;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const decidedHere = new Set<string>();

/** This window decided the item: should it come back (a second reviewer still needed, say), it is not news here. */
export function noteDecidedHere(host: string, item: string): void {
  decidedHere.add(itemKey(host, item));
}

function clip(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

/** The words of a notification for new items; `label` names a kind (Checkpoint, Plan, …). */
export function alertFor(items: InboxEntry[], label: (entry: InboxEntry) => string): Alert {
  if (items.length === 1) {
    const [item] = items as [InboxEntry];
    const where = [item.host, item.run, item.step && `step ${item.step}`, item.agent].filter(Boolean).join(' · ');
    return { title: clip(`${label(item)}: ${item.summary}`, 120), body: `Waits on you on ${where}`, items };
  }
  const named = items.slice(0, LISTED).map((item) => clip(`${label(item)}: ${item.summary}`, 80));
  const more = items.length - named.length;
  return { title: `${items.length} new items wait on you`, body: [...named, ...(more > 0 ? [`and ${more} more`] : [])].join('\n'), items };
}

/**
 * Turns the inbox's "added" events into desktop notifications that never spam: a burst becomes one notification, at
 * most one every MIN_GAP_MS, nothing while muted, without permission, or while the person watches the inbox, and
 * nothing for an item decided meanwhile or by this window.
 */
export class InboxNotifier {
  private pending: InboxEntry[] = [];
  private timer: unknown = null;
  private lastShownAt = -Infinity;

  constructor(
    private readonly surface: AlertSurface,
    private readonly label: (entry: InboxEntry) => string,
    private readonly clock: Clock = systemClock,
  ) {}

  added(entry: InboxEntry): void {
    const key = itemKey(entry.host, entry.id);
    if (decidedHere.has(key) || this.pending.some((item) => itemKey(item.host, item.id) === key)) return;
    this.pending.push(entry);
    if (this.timer !== null) return;
    const at = Math.max(this.clock.now() + COALESCE_MS, this.lastShownAt + MIN_GAP_MS);
    this.timer = this.clock.setTimeout(() => this.flush(), at - this.clock.now());
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }

  private flush(): void {
    this.timer = null;
    const items = this.pending.filter((item) => !decidedHere.has(itemKey(item.host, item.id)) && this.surface.stillWaiting(item));
    this.pending = [];
    if (items.length === 0 || this.surface.muted() || this.surface.permission() !== 'granted' || this.surface.attending()) return;
    this.lastShownAt = this.clock.now();
    this.surface.show(alertFor(items, this.label));
  }
}
