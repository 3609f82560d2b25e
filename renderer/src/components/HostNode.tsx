import type { HostView } from '../../../common/app/hosts';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { agentsOf, plainSessions } from '../lib/agents';
import { useStore } from '../store/store';
import { ConfirmButton } from './ConfirmButton';
import { ConnectionDot } from './ConnectionDot';
import { Countdown } from './Countdown';
import { AgentRow } from './AgentRow';
import { SessionRow } from './SessionRow';
import { Icon } from './Icon';

function HostStateLine({ host }: { host: HostView }) {
  switch (host.state) {
    case 'connected':
      return <span className="host-state" title="round-trip latency">{host.latencyMs !== null ? `${Math.round(host.latencyMs)} ms` : 'connected'}</span>;
    case 'connecting':
      return <span className="host-state">connecting…</span>;
    case 'reconnecting':
      return (
        <span className="host-state warn">
          reconnecting {host.retryAt !== null ? <Countdown at={host.retryAt} /> : '…'}
          {host.attempt > 1 ? ` · attempt ${host.attempt}` : ''}
        </span>
      );
    case 'failed':
      return <span className="host-state error">failed</span>;
    case 'disconnected':
      return <span className="host-state">disconnected</span>;
  }
}

export function HostNode({ host }: { host: HostView }) {
  const openDialog = useStore((state) => state.openDialog);
  const toast = useStore((state) => state.toast);
  const act = (action: () => Promise<unknown>, failure: string) =>
    void action().catch((error) => toast('error', `${failure}: ${errorMessage(error)}`));
  const canRetry = host.state !== 'connected' && host.state !== 'connecting';
  const agents = agentsOf(host);
  const sessions = plainSessions(host).sort((a, b) => b.createdAt - a.createdAt);
  return (
    <li className={`host host-${host.state}`} data-host={host.name}>
      <div className="host-header">
        <ConnectionDot state={host.state} />
        <span className="host-name" title={host.kind === 'local' ? 'this machine' : host.target}>
          {host.name}
        </span>
        <HostStateLine host={host} />
        <span className="host-actions">
          {canRetry && (
            <button
              type="button"
              className="icon-button"
              title="Connect now"
              onClick={() => act(() => client().request('hosts.connect', { name: host.name }), `Could not connect ${host.name}`)}
            >
              <Icon name="retry" />
            </button>
          )}
          <button
            type="button"
            className="icon-button"
            title={host.agents ? 'Start an agent here' : 'Start an agent here (this agent-host has no agents: upgrade it)'}
            disabled={host.state !== 'connected' || !host.agents}
            onClick={() => openDialog({ kind: 'start-agent', host: host.name })}
          >
            <Icon name="agent" />
          </button>
          <button
            type="button"
            className="icon-button"
            title="Start a session here"
            disabled={host.state !== 'connected'}
            onClick={() => openDialog({ kind: 'start-session', host: host.name, placement: 'tab' })}
          >
            <Icon name="plus" />
          </button>
          <ConfirmButton
            title="Remove host (its sessions keep running on the VM)"
            confirmLabel="Remove?"
            onConfirm={() => act(() => client().request('hosts.remove', { name: host.name }), `Could not remove ${host.name}`)}
          >
            <Icon name="close" />
          </ConfirmButton>
        </span>
      </div>
      {host.auditAlarm && (
        <p className="host-error host-audit-alarm" role="alert" title={`flightdeck audit verify ${host.name} --accept, after investigating`}>
          Audit history changed: {host.auditAlarm}
        </p>
      )}
      {host.error && host.state !== 'connected' && (
        <p className="host-error" role="alert">
          {host.error}
        </p>
      )}
      {agents.length > 0 && (
        <ul className="session-list agent-list" aria-label={`Agents on ${host.name}`}>
          {agents.map((agent) => (
            <AgentRow key={agent.name} host={host.name} agent={agent} />
          ))}
        </ul>
      )}
      {sessions.length > 0 ? (
        <ul className="session-list">
          {sessions.map((session) => (
            <SessionRow key={session.id} host={host.name} session={session} />
          ))}
        </ul>
      ) : (
        agents.length === 0 && <p className="host-empty">{host.state === 'connected' ? 'No sessions yet.' : 'No sessions known.'}</p>
      )}
    </li>
  );
}
