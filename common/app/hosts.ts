import { z } from 'zod';
import { AgentInfo } from '../protocol/agents';
import { SessionInfo } from '../protocol/session';

export const HostName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'host names are letters, digits, ".", "-" and "_"');

export const ConnectionState = z.enum(['disconnected', 'connecting', 'connected', 'reconnecting', 'failed']);
export type ConnectionState = z.infer<typeof ConnectionState>;

/** A host as the user configured it: an ~/.ssh/config alias or user@host[:port], or the embedded local host. */
export const HostConfig = z.object({
  name: HostName,
  kind: z.enum(['ssh', 'local']),
  /** ssh: an alias from ~/.ssh/config or user@host; local: empty. */
  target: z.string().max(512),
  port: z.number().int().min(1).max(65535).optional(),
  identityFile: z.string().max(4096).optional(),
  /** ProxyJump spec, comma-separated hops, as in OpenSSH. */
  jump: z.string().max(2048).optional(),
  /** agent-host state dir on the remote; default ~/.flightdeck/host. */
  hostDir: z.string().max(4096).optional(),
  /** The node (>= 20) on the remote that runs agent-host, when not the one on its PATH; default FLIGHTDECK_REMOTE_NODE, else node. */
  node: z.string().min(1).max(4096).optional(),
  /**
   * The SSH key is bound on the VM to `agent-host bridge --as NAME` (a forced command, see docs/orchestration.md): it
   * runs nothing else, so the app never bootstraps or upgrades through it — the VM's admin installs agent-host.
   */
  bound: z.boolean().optional(),
});
export type HostConfig = z.infer<typeof HostConfig>;

export const HostView = HostConfig.extend({
  state: ConnectionState,
  /** Why the last attempt failed, in words a human can act on. */
  error: z.string().nullable(),
  /** Epoch ms of the next reconnect attempt while reconnecting. */
  retryAt: z.number().nullable(),
  attempt: z.number().int(),
  hostVersion: z.string().nullable(),
  latencyMs: z.number().nullable(),
  /** Set when the host's audit chain no longer holds the newest record this app saw of it (cut or rewritten). */
  auditAlarm: z.string().nullable(),
  sessions: z.array(SessionInfo),
  /** Absent while the host's agent-host is not known to run agents (never reached, or older: `host upgrade`). */
  agents: z.array(AgentInfo).optional(),
});
export type HostView = z.infer<typeof HostView>;

export const AddHostParams = HostConfig.omit({ kind: true }).extend({ kind: z.enum(['ssh', 'local']).default('ssh') });
export type AddHostParams = z.input<typeof AddHostParams>;
