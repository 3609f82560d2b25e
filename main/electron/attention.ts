import { appApi } from '../../common/app/api';
import type { ConnectionState } from '../../common/app/hosts';
import type { SessionStatus } from '../../common/protocol/session';

export interface Attention {
  title: string;
  body: string;
  /** Where a click on the notification should take the user. */
  target: { host: string; sessionId?: string };
}

/**
 * Turns the core's notifications into the few moments worth a desktop notification: a session starts
 * waiting on the human, or a connected host drops. Everything else stays in the window.
 */
export class AttentionWatcher {
  private readonly hostStates = new Map<string, ConnectionState>();
  private readonly sessionStatuses = new Map<string, SessionStatus>();

  constructor(private readonly raise: (attention: Attention) => void) {}

  handle(method: string, params: unknown): void {
    if (method === 'hosts.changed') {
      const parsed = appApi['hosts.changed'].params.safeParse(params);
      if (!parsed.success) return;
      const { host } = parsed.data;
      const before = this.hostStates.get(host.name);
      this.hostStates.set(host.name, host.state);
      for (const session of host.sessions) this.sessionStatuses.set(`${host.name}~${session.id}`, session.status);
      if (before === 'connected' && (host.state === 'reconnecting' || host.state === 'failed')) {
        this.raise({
          title: `${host.name} dropped`,
          body: host.error ?? (host.state === 'reconnecting' ? 'Reconnecting; agents keep running on the host.' : 'Connection failed.'),
          target: { host: host.name },
        });
      }
    } else if (method === 'sessions.event') {
      const parsed = appApi['sessions.event'].params.safeParse(params);
      if (!parsed.success) return;
      const { host, event } = parsed.data;
      const key = `${host}~${event.session.id}`;
      const before = this.sessionStatuses.get(key);
      this.sessionStatuses.set(key, event.session.status);
      if (event.session.status === 'waiting-for-input' && before !== 'waiting-for-input') {
        this.raise({
          title: `${event.session.name || event.session.command} is waiting on you`,
          body: `on ${host}`,
          target: { host, sessionId: event.session.id },
        });
      }
    } else if (method === 'hosts.removed') {
      const parsed = appApi['hosts.removed'].params.safeParse(params);
      if (parsed.success) this.hostStates.delete(parsed.data.name);
    }
  }
}
