import { z } from 'zod';
import { agentMethods } from './agentMethods';
import { governanceMethods } from './governanceMethods';
import { runMethods } from './runMethods';
import { notification, request } from './define';
import { BridgeIdentityParams } from './identity';
import { Labels, ScreenSnapshot, SessionId, SessionInfo, Signal, StreamId, TerminalSize } from './session';

const Empty = z.object({}).strict();

export const ClientIdentity = z.object({
  /** Human-readable client, e.g. "flightdeck-desktop" or "flightdeck-cli". */
  name: z.string().min(1).max(64),
  version: z.string().max(64),
  /** Who is at the keyboard: the SSH user and the laptop's user@hostname; audited with every keystroke burst. */
  user: z.string().min(1).max(128),
});
export type ClientIdentity = z.infer<typeof ClientIdentity>;

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hash in hex');

/** The newest audit record: clients keep the last one they saw, so a host that cuts or rewrites its chain is caught. */
export const AuditHead = z.object({ seq: z.number().int().positive(), hash: Sha256Hex });
export type AuditHead = z.infer<typeof AuditHead>;

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  records: z.number().int().nonnegative(),
  head: AuditHead.nullable(),
  /** The first record that is edited, missing or out of place; null when the chain is intact. */
  firstBadSeq: z.number().int().nullable(),
  problem: z.string().nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

export const HelloResult = z.object({
  protocolVersion: z.number().int(),
  hostVersion: z.string(),
  hostId: z.string(),
  pid: z.number().int(),
  stateDir: z.string(),
  capabilities: z.array(z.string()),
  /** Flow control window the host applies to this viewer, in bytes. */
  highWatermark: z.number().int().positive(),
  /** Null while the chain is empty. */
  auditHead: AuditHead.nullable(),
  /**
   * The daemon's Unix socket, which this client may open directly (an SSH direct-streamlocal channel) for a lane
   * without a bridge process in between; offered only to a connection no bridge claimed a person for, since a
   * direct connection has no claim. Null or absent: keep to the bridge.
   */
  directSocket: z.string().nullable().optional(),
});
export type HelloResult = z.infer<typeof HelloResult>;

export const ViewerStats = z.object({
  clientId: z.string(),
  sessionId: SessionId,
  streamId: StreamId,
  sentOffset: z.number().int(),
  ackedOffset: z.number().int(),
  /** Bytes the daemon holds in memory for this viewer (queued, not yet written to the stream). */
  bufferedBytes: z.number().int(),
  paused: z.boolean(),
  stalled: z.boolean(),
});
export type ViewerStats = z.infer<typeof ViewerStats>;

export const HostStats = z.object({
  hostVersion: z.string(),
  hostId: z.string(),
  pid: z.number().int(),
  uptimeMs: z.number(),
  rssBytes: z.number().int(),
  heapUsedBytes: z.number().int(),
  clients: z.number().int(),
  sessions: z.object({ total: z.number().int(), running: z.number().int() }),
  viewers: z.array(ViewerStats),
});
export type HostStats = z.infer<typeof HostStats>;

export const StartSessionParams = z.object({
  command: z.string().min(1).max(4096),
  args: z.array(z.string().max(65536)).max(1024).default([]),
  cwd: z.string().min(1).max(4096).optional(),
  env: z.record(z.string().max(256), z.string().max(65536)).optional(),
  cols: TerminalSize.cols.default(120),
  rows: TerminalSize.rows.default(32),
  name: z.string().max(128).optional(),
  labels: Labels.optional(),
  inputAllowed: z.boolean().default(true),
});
export type StartSessionParams = z.input<typeof StartSessionParams>;

export const AttachResult = z.object({
  session: SessionInfo,
  /** Present when fromOffset was older than the retained journal (or null was asked for): the screen at `snapshot.offset`. */
  snapshot: ScreenSnapshot.nullable(),
  /** OUTPUT frames for this attach start exactly here and are contiguous from then on. */
  streamFrom: z.number().int().nonnegative(),
  /** The id OUTPUT, INPUT, REPLY and ACK frames of this view carry. */
  streamId: StreamId,
  /**
   * True when `snapshot` is the visible screen only (a screenFirst attach): a session.scrollback notification with the
   * whole screen follows before any OUTPUT of this view.
   */
  scrollbackFollows: z.boolean().optional(),
});
export type AttachResult = z.infer<typeof AttachResult>;

export const ScrollbackEvent = z.object({
  sessionId: SessionId,
  streamId: StreamId,
  /** The whole screen, scrollback included: it replaces the one the attach answer carried; OUTPUT goes on from its offset. */
  snapshot: ScreenSnapshot,
});
export type ScrollbackEvent = z.infer<typeof ScrollbackEvent>;

export const SessionEvent = z.object({
  type: z.enum(['started', 'status', 'exited', 'resized', 'removed']),
  session: SessionInfo,
});
export type SessionEvent = z.infer<typeof SessionEvent>;

export const ViewerEvent = z.object({
  sessionId: SessionId,
  streamId: StreamId,
  /** paused: window full; resumed: acks arrived; stalled: no ack for too long; ended: the session exited and all output was sent. */
  state: z.enum(['paused', 'resumed', 'stalled', 'ended']),
  sentOffset: z.number().int(),
  ackedOffset: z.number().int(),
});
export type ViewerEvent = z.infer<typeof ViewerEvent>;

export const DetachedEvent = z.object({
  sessionId: SessionId,
  streamId: StreamId,
  /** fell-behind: the viewer lagged past the retained journal and must re-attach (it gets a snapshot); removed: the session is gone. */
  reason: z.enum(['fell-behind', 'removed']),
});
export type DetachedEvent = z.infer<typeof DetachedEvent>;

/** Every message between the app and agent-host, declared once. Binary frames (OUTPUT, INPUT, ACK) are in ../wire/frame. */
export const hostProtocol = {
  'host.hello': request({
    direction: 'client-to-host',
    summary: 'Handshake; must be the first request. Fails with VersionMismatch when protocol versions differ.',
    params: z.object({
      protocolVersion: z.number().int(),
      client: ClientIdentity,
      capabilities: z.array(z.string().max(64)).max(64).default([]),
    }),
    result: HelloResult,
  }),
  'host.stats': request({
    direction: 'client-to-host',
    summary: "The daemon's own view of its memory and every viewer's flow-control state.",
    params: Empty,
    result: HostStats,
  }),
  'host.shutdown': request({
    direction: 'client-to-host',
    summary: 'Stop the daemon (for an upgrade). Refused while sessions run unless force, which the human must consent to.',
    params: z.object({ force: z.boolean().default(false) }),
    result: z.object({ stoppedSessions: z.number().int() }),
  }),
  'session.list': request({
    direction: 'client-to-host',
    summary: 'All sessions, running or not.',
    params: Empty,
    result: z.object({ sessions: z.array(SessionInfo) }),
  }),
  'session.start': request({
    direction: 'client-to-host',
    summary: 'Start a command in a new PTY.',
    params: StartSessionParams,
    result: z.object({ session: SessionInfo }),
  }),
  'session.attach': request({
    direction: 'client-to-host',
    summary:
      'Become a viewer. fromOffset null means "current screen, then live". streamId (default: the session id) names this view ' +
      'in binary frames; attaching again with the same streamId replaces that view. screenFirst (with fromOffset null): ' +
      'the answer carries the visible screen only, and the scrollback follows in session.scrollback before any OUTPUT.',
    params: z.object({
      sessionId: SessionId,
      fromOffset: z.number().int().nonnegative().nullable().default(null),
      streamId: StreamId.optional(),
      screenFirst: z.boolean().default(false),
    }),
    result: AttachResult,
  }),
  'session.detach': request({
    direction: 'client-to-host',
    summary: 'Stop viewing; the session keeps running.',
    params: z.object({ sessionId: SessionId, streamId: StreamId.optional() }),
    result: Empty,
  }),
  'session.input': request({
    direction: 'client-to-host',
    summary: 'Type text (UTF-8). Raw bytes go in INPUT frames instead.',
    params: z.object({ sessionId: SessionId, data: z.string().max(1024 * 1024) }),
    result: Empty,
  }),
  'session.resize': request({
    direction: 'client-to-host',
    summary: 'Resize the PTY.',
    params: z.object({ sessionId: SessionId, ...TerminalSize }),
    result: Empty,
  }),
  'session.signal': request({
    direction: 'client-to-host',
    summary: "Send a signal to the session's process group.",
    params: z.object({ sessionId: SessionId, signal: Signal }),
    result: Empty,
  }),
  'session.kill': request({
    direction: 'client-to-host',
    summary: 'End the session (SIGHUP, then SIGKILL after a grace period). Its output stays readable.',
    params: z.object({ sessionId: SessionId }),
    result: Empty,
  }),
  'session.remove': request({
    direction: 'client-to-host',
    summary: 'Forget an ended session and its journal.',
    params: z.object({ sessionId: SessionId }),
    result: Empty,
  }),
  'audit.verify': request({
    direction: 'client-to-host',
    summary: 'Walk the whole audit chain; with an anchor (a head this client saw before), also check the chain still holds it.',
    params: z.object({ anchor: AuditHead.optional() }),
    result: AuditVerifyResult.extend({ anchorHeld: z.boolean().nullable() }),
  }),
  'audit.hashAt': request({
    direction: 'client-to-host',
    summary: 'The hash of audit record seq, or null when there is none: how a client checks the chain still holds its anchor.',
    params: z.object({ seq: z.number().int().positive() }),
    result: z.object({ hash: Sha256Hex.nullable() }),
  }),
  'bridge.identity': notification({
    direction: 'client-to-host',
    summary:
      "Sent by agent-host bridge itself, before any byte of its client: the person its SSH key is bound to (--as), or null. " +
      'Accepted only as the first message of a connection; any other is a protocol violation that closes it.',
    params: BridgeIdentityParams,
  }),
  'session.event': notification({
    direction: 'host-to-client',
    summary: 'A session started, changed status, resized, exited or was removed.',
    params: SessionEvent,
  }),
  'session.viewer': notification({
    direction: 'host-to-client',
    summary: "This client's flow-control state for a session it views.",
    params: ViewerEvent,
  }),
  'session.scrollback': notification({
    direction: 'host-to-client',
    summary:
      'After a screenFirst attach: the whole screen with its scrollback, sent before the first OUTPUT of the view, which ' +
      'continues from snapshot.offset.',
    params: ScrollbackEvent,
  }),
  'session.detached': notification({
    direction: 'host-to-client',
    summary: "The host ended this client's view of a session; re-attach to see it again.",
    params: DetachedEvent,
  }),
  ...agentMethods,
  ...governanceMethods,
  ...runMethods,
} as const;

export type HostProtocol = typeof hostProtocol;
