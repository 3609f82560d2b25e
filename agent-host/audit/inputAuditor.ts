import type { AuditLog } from './auditLog';

export interface InputAuditorOptions {
  quietMs?: number;
  maxBytes?: number;
}

interface Burst {
  actor: string;
  sessionId: string;
  client: Record<string, unknown>;
  decoder: TextDecoder;
  text: string;
  /** Typed at a password prompt: the text is not recorded, only that typing happened. */
  hidden: boolean;
  bytes: number;
  firstAt: number;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Whether these bytes are typed hidden (at a password prompt). A function is asked only while the burst is
 * not hidden yet: once any part of a burst was typed hidden, the whole burst is recorded without its text.
 */
export type HiddenTyping = boolean | (() => boolean);

/**
 * Coalesces a human's keystrokes into bursts (per client and session) and records each burst as one
 * audit record: flushed after a quiet spell or once it grows past maxBytes, and on disconnect.
 */
export class InputAuditor {
  private readonly bursts = new Map<string, Burst>();
  private readonly quietMs: number;
  private readonly maxBytes: number;

  constructor(
    private readonly audit: AuditLog,
    options: InputAuditorOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 1000;
    this.maxBytes = options.maxBytes ?? 4096;
  }

  record(
    connectionId: string,
    actor: string,
    client: Record<string, unknown>,
    sessionId: string,
    data: Uint8Array,
    hidden: HiddenTyping = false,
  ): void {
    const key = `${connectionId}\u0000${sessionId}`;
    let burst = this.bursts.get(key);
    if (burst) clearTimeout(burst.timer);
    else {
      burst = { actor, sessionId, client, decoder: new TextDecoder(), text: '', hidden: false, bytes: 0, firstAt: Date.now(), timer: undefined! };
      this.bursts.set(key, burst);
    }
    burst.hidden ||= typeof hidden === 'function' ? hidden() : hidden;
    burst.text += burst.decoder.decode(data, { stream: true });
    burst.bytes += data.length;
    if (burst.bytes >= this.maxBytes) return this.flush(key);
    burst.timer = setTimeout(() => this.flush(key), this.quietMs);
    burst.timer.unref();
  }

  /** Flushes every burst of a connection (it went away) or, with no argument, all of them. */
  flushAll(connectionId?: string): void {
    for (const key of [...this.bursts.keys()]) {
      if (connectionId === undefined || key.startsWith(`${connectionId}\u0000`)) this.flush(key);
    }
  }

  private flush(key: string): void {
    const burst = this.bursts.get(key);
    if (!burst) return;
    clearTimeout(burst.timer);
    burst.text += burst.decoder.decode();
    this.audit.append({
      actor: burst.actor,
      action: 'session.input',
      target: `session:${burst.sessionId}`,
      outcome: 'ok',
      data: burst.hidden
        ? { ...burst.client, bytes: burst.bytes, hidden: true, startedAt: burst.firstAt }
        : { ...burst.client, bytes: burst.bytes, text: burst.text, startedAt: burst.firstAt },
    });
    // Only once it is written: a burst whose record failed is tried again by the daemon's final flushAll.
    this.bursts.delete(key);
  }
}
