import { z } from 'zod';
import { notification, request } from '../protocol/define';
import { SessionEvent, StartSessionParams, ViewerEvent } from '../protocol/methods';
import { AttachResult } from '../protocol/methods';
import { AgentEvent, AgentInfo, AgentName, MessageDelivery, ProfileInfo, RepoInfo } from '../protocol/agents';
import { ApprovalId, ApprovalInfo } from '../protocol/governance';
import { StartAgentParams } from '../protocol/agentMethods';
import { ScreenSnapshot, SessionId, SessionInfo, Signal, TerminalSize } from '../protocol/session';
import { AddHostParams, HostName, HostView } from './hosts';
import { Prompt, PromptAnswer } from './prompts';
import { governanceApi } from './governanceApi';
import { InboxEventParams, RunsEventParams } from './runs';
import { runsApi } from './runsApi';

const Empty = z.object({}).strict();

/**
 * The core resumed a terminal after a reconnect. With `snapshot` (output was cut from the host's journal meanwhile):
 * reset the screen and write snapshot.data first; OUTPUT then continues from streamFrom (= snapshot.offset).
 */
export const TerminalReattached = z.object({
  sessionId: SessionId,
  state: z.literal('reattached'),
  streamFrom: z.number().int(),
  snapshot: ScreenSnapshot.nullable().optional(),
});
export type TerminalReattached = z.infer<typeof TerminalReattached>;

/**
 * After a screenFirst attach, which answered with the visible rows only: the whole screen with its scrollback. Replace
 * the screen with it (write "\x1bc" and snapshot.data, in order with earlier writes); OUTPUT goes on from snapshot.offset.
 */
export const TerminalScrollback = z.object({
  sessionId: SessionId,
  state: z.literal('scrollback'),
  snapshot: ScreenSnapshot,
});
export type TerminalScrollback = z.infer<typeof TerminalScrollback>;

/** Keystrokes typed while the host was away were not sent (the screen changed meanwhile, the session ended, too many). */
export const TerminalInputRefused = z.object({
  sessionId: SessionId,
  state: z.literal('input-refused'),
  bytes: z.number().int().nonnegative(),
  reason: z.string(),
});
export type TerminalInputRefused = z.infer<typeof TerminalInputRefused>;
const SessionRef = { host: HostName, sessionId: SessionId };
const AgentRef = { host: HostName, agent: AgentName };

/**
 * The AppApi: everything the renderer may ask of the core, and every event it receives.
 * Served by the preload bridge (Electron) or a WebSocket (browser mode); the core validates every argument.
 * Terminal bytes do not travel here: they use the binary OUTPUT / INPUT / ACK frames keyed by `host/sessionId`.
 */
export const appApi = {
  'hosts.list': request({
    direction: 'client-to-host',
    summary: 'Every configured host with its connection state, sessions and agents.',
    params: Empty,
    result: z.object({ hosts: z.array(HostView) }),
  }),
  'hosts.add': request({
    direction: 'client-to-host',
    summary: 'Add a host and connect to it (raising prompts as needed).',
    params: AddHostParams,
    result: z.object({ host: HostView }),
  }),
  'hosts.remove': request({
    direction: 'client-to-host',
    summary: 'Disconnect and forget a host (its sessions keep running on the VM).',
    params: z.object({ name: HostName }),
    result: Empty,
  }),
  'hosts.connect': request({
    direction: 'client-to-host',
    summary: 'Connect now (or retry now while reconnecting).',
    params: z.object({ name: HostName }),
    result: z.object({ host: HostView }),
  }),
  'hosts.sshAliases': request({
    direction: 'client-to-host',
    summary: 'Host aliases from ~/.ssh/config, for the add-host dialog.',
    params: Empty,
    result: z.object({ aliases: z.array(z.object({ alias: z.string(), hostName: z.string().nullable(), user: z.string().nullable() })) }),
  }),
  'hosts.trust': request({
    direction: 'client-to-host',
    summary: 'Connect and offer the presented host key for trust even when it changed (the explicit re-trust).',
    params: z.object({ name: HostName }),
    result: z.object({ host: HostView }),
  }),
  'hosts.upgrade': request({
    direction: 'client-to-host',
    summary: "Replace the host's older agent-host with this app's. Stopping it stops running sessions: refused unless force (the human's consent).",
    params: z.object({ name: HostName, force: z.boolean().default(false) }),
    result: z.object({ previousVersion: z.string(), version: z.string(), stoppedSessions: z.number().int() }),
  }),
  'prompts.answer': request({
    direction: 'client-to-host',
    summary: 'Answer a host-key or passphrase prompt.',
    params: PromptAnswer,
    result: Empty,
  }),
  'prompts.pending': request({
    direction: 'client-to-host',
    summary: 'Prompts raised before this window subscribed.',
    params: Empty,
    result: z.object({ prompts: z.array(Prompt) }),
  }),
  'sessions.start': request({
    direction: 'client-to-host',
    summary: 'Start a session on a host.',
    params: z.object({ host: HostName, spec: StartSessionParams }),
    result: z.object({ session: SessionInfo }),
  }),
  'sessions.kill': request({
    direction: 'client-to-host',
    summary: 'End a session.',
    params: z.object(SessionRef),
    result: Empty,
  }),
  'sessions.signal': request({
    direction: 'client-to-host',
    summary: "Signal a session's process group.",
    params: z.object({ ...SessionRef, signal: Signal }),
    result: Empty,
  }),
  'sessions.input': request({
    direction: 'client-to-host',
    summary: 'Type text (UTF-8) into a session without attaching to it.',
    params: z.object({ ...SessionRef, data: z.string().max(1024 * 1024) }),
    result: Empty,
  }),
  'sessions.remove': request({
    direction: 'client-to-host',
    summary: 'Forget an ended session and its output on the host.',
    params: z.object(SessionRef),
    result: Empty,
  }),
  ...governanceApi,
  'repos.list': request({
    direction: 'client-to-host',
    summary: 'The repos cloned on a host (added with `flightdeck repo add`).',
    params: z.object({ host: HostName }),
    result: z.object({ repos: z.array(RepoInfo) }),
  }),
  'profiles.list': request({
    direction: 'client-to-host',
    summary: 'The profiles agents can start from on a host.',
    params: z.object({ host: HostName }),
    result: z.object({ profiles: z.array(ProfileInfo) }),
  }),
  'agents.start': request({
    direction: 'client-to-host',
    summary: "Start an agent on a host: a worktree and branch flightdeck/<name> of the repo, the profile's process in a session.",
    params: StartAgentParams.extend({ host: HostName }),
    result: z.object({ agent: AgentInfo }),
  }),
  'agents.send': request({
    direction: 'client-to-host',
    summary: "A human's message to an agent: the answer to its question, else queued (or typed at a CLI agent's prompt).",
    params: z.object({ ...AgentRef, text: z.string().min(1).max(256 * 1024) }),
    result: z.object({ delivery: MessageDelivery }),
  }),
  'agents.stop': request({
    direction: 'client-to-host',
    summary: "End an agent's process; its worktree, branch and conversation stay for agents.resume.",
    params: z.object(AgentRef),
    result: z.object({ agent: AgentInfo }),
  }),
  'agents.resume': request({
    direction: 'client-to-host',
    summary: 'Start a stopped, exited or interrupted agent again in a new session.',
    params: z.object({ ...AgentRef, ...TerminalSize }).partial({ cols: true, rows: true }),
    result: z.object({ agent: AgentInfo }),
  }),
  'agents.remove': request({
    direction: 'client-to-host',
    summary: 'Forget an agent that is not running and remove its worktree (only when clean unless force); the branch stays.',
    params: z.object({ ...AgentRef, force: z.boolean().default(false) }),
    result: Empty,
  }),
  'approvals.decide': request({
    direction: 'client-to-host',
    summary: 'Approve or reject a command the host policy holds for a person (the agent waits on it).',
    params: z.object({ host: HostName, id: ApprovalId, approve: z.boolean(), reason: z.string().max(4096).optional() }),
    result: z.object({ approval: ApprovalInfo }),
  }),
  ...runsApi,
  'terminal.attach': request({
    direction: 'client-to-host',
    summary:
      'Start streaming a session to this window: snapshot first, then OUTPUT frames from streamFrom. screenFirst (with ' +
      'fromOffset null): the snapshot may be the visible rows only (result.scrollbackFollows); a "scrollback" viewer event ' +
      'with the whole screen then comes before the first OUTPUT.',
    params: z.object({
      ...SessionRef,
      fromOffset: z.number().int().nonnegative().nullable().default(null),
      screenFirst: z.boolean().default(false),
    }),
    result: AttachResult,
  }),
  'terminal.detach': request({
    direction: 'client-to-host',
    summary: 'Stop streaming a session to this window.',
    params: z.object(SessionRef),
    result: Empty,
  }),
  'terminal.resize': request({
    direction: 'client-to-host',
    summary: 'Resize the PTY to the pane.',
    params: z.object({ ...SessionRef, ...TerminalSize }),
    result: Empty,
  }),
  'hosts.changed': notification({
    direction: 'host-to-client',
    summary: "A host's configuration, connection state, sessions or agents changed.",
    params: z.object({ host: HostView }),
  }),
  'hosts.removed': notification({
    direction: 'host-to-client',
    summary: 'A host was removed.',
    params: z.object({ name: HostName }),
  }),
  'sessions.event': notification({
    direction: 'host-to-client',
    summary: 'A session event from a host.',
    params: z.object({ host: HostName, event: SessionEvent }),
  }),
  'agents.event': notification({
    direction: 'host-to-client',
    summary: 'An agent on a host started, changed (status, question, tokens, cost) or was removed.',
    params: z.object({ host: HostName, event: AgentEvent }),
  }),
  'runs.event': notification({
    direction: 'host-to-client',
    summary: 'A run on a connected host changed (state, plan version, steps).',
    params: RunsEventParams,
  }),
  'inbox.event': notification({
    direction: 'host-to-client',
    summary: 'An inbox item on a connected host appeared or was settled.',
    params: InboxEventParams,
  }),
  'terminal.viewer': notification({
    direction: 'host-to-client',
    summary: 'Flow-control and stream state of an attached terminal (including "reattached" after a reconnect).',
    params: z.object({
      host: HostName,
      event: ViewerEvent.or(TerminalReattached).or(TerminalScrollback).or(TerminalInputRefused),
    }),
  }),
  'prompts.raised': notification({
    direction: 'host-to-client',
    summary: 'The core needs a human answer.',
    params: Prompt,
  }),
  'prompts.settled': notification({
    direction: 'host-to-client',
    summary: 'A prompt was answered (possibly by another window) or withdrawn.',
    params: z.object({ id: z.string() }),
  }),
} as const;

export type AppApi = typeof appApi;

/** The key that names a terminal stream in OUTPUT / INPUT / ACK frames between the core and the renderer. */
export function terminalKey(host: string, sessionId: string): string {
  return `${host}~${sessionId}`;
}

export function parseTerminalKey(key: string): { host: string; sessionId: string } | null {
  const at = key.indexOf('~');
  if (at <= 0 || at === key.length - 1) return null;
  return { host: key.slice(0, at), sessionId: key.slice(at + 1) };
}
