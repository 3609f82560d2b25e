import { useEffect, useSyncExternalStore } from 'react';
import type { InboxEntry } from '../../../common/app/runs';
import { client } from '../client/clientRef';
import { useStore } from '../store/store';
import { itemKey } from '../store/viewSlice';
import { focusWindow } from './desktopShell';
import { KIND_LABELS, openItem } from './inboxActions';
import { InboxNotifier, type Alert, type AlertPermission, type AlertSurface } from './notifications';

const MUTED_KEY = 'flightdeck.notifications.muted';
/** One notification at a time: a newer one replaces it instead of stacking up. */
const TAG = 'flightdeck-inbox';

export interface NotificationSettings {
  permission: AlertPermission;
  muted: boolean;
}

function readPermission(): AlertPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

function readMuted(): boolean {
  try {
    return localStorage.getItem(MUTED_KEY) === '1';
  } catch {
    return false;
  }
}

// The settings as React reads them (useSyncExternalStore): one object, replaced on every change.
let settings: NotificationSettings = { permission: readPermission(), muted: readMuted() };
const listeners = new Set<() => void>();
function update(next: Partial<NotificationSettings>): void {
  settings = { ...settings, ...next };
  for (const listener of listeners) listener();
}
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useNotificationSettings(): NotificationSettings {
  return useSyncExternalStore(subscribe, () => settings);
}

export function setNotificationsMuted(muted: boolean): void {
  try {
    if (muted) localStorage.setItem(MUTED_KEY, '1');
    else localStorage.removeItem(MUTED_KEY);
  } catch {
    // Storage refused: muted for this window's life only.
  }
  update({ muted });
}

/** Asks the browser, from a click (browsers ignore or penalize asking without one); Electron's main grants it. */
export async function askNotificationPermission(): Promise<void> {
  if (typeof Notification === 'undefined') return;
  update({ permission: await Notification.requestPermission() });
}

function openAlert(alert: Alert): void {
  focusWindow();
  const [first] = alert.items;
  if (!first) return;
  if (alert.items.length === 1) {
    openItem(first.host, first.id);
  } else {
    const store = useStore.getState();
    store.setInboxCursor(itemKey(first.host, first.id));
    store.showView({ kind: 'inbox' });
  }
}

const surface: AlertSurface = {
  permission: () => settings.permission,
  muted: () => settings.muted,
  attending: () => document.visibilityState === 'visible' && document.hasFocus() && useStore.getState().view.kind === 'inbox',
  stillWaiting: (entry) => Boolean(useStore.getState().inbox.entries?.some((item) => item.host === entry.host && item.id === entry.id)),
  show(alert) {
    const notification = new Notification(alert.title, { body: alert.body, tag: TAG });
    notification.onclick = () => {
      notification.close();
      openAlert(alert);
    };
  },
};

/**
 * Desktop notifications for inbox items that arrive while the app runs (the host's "added" events; never the items
 * of a list load). Mounted once, by the app, for the life of its connection.
 */
export function useInboxNotifications(): void {
  const connected = useStore((state) => state.connection === 'ready');
  useEffect(() => {
    if (!connected) return;
    // Permission can change in the browser's site settings while the app is open.
    update({ permission: readPermission() });
    let status: PermissionStatus | undefined;
    navigator.permissions?.query({ name: 'notifications' }).then(
      (found) => {
        status = found;
        found.onchange = () => update({ permission: readPermission() });
      },
      () => undefined,
    );
    const notifier = new InboxNotifier(surface, (entry: InboxEntry) => KIND_LABELS[entry.kind]);
    const stop = client().on('inbox.event', ({ host, event }) => {
      // Before the first list is in, an arriving item is part of that list.
      if (event.type === 'added' && useStore.getState().inbox.entries !== null) notifier.added({ ...event.item, host });
    });
    return () => {
      stop();
      notifier.stop();
      if (status) status.onchange = null;
    };
  }, [connected]);
}
