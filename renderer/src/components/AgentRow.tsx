import { terminalKey } from '../../../common/app/api';
import type { AgentInfo } from '../../../common/protocol/agents';
import { agentRunning, formatCost, formatTokens } from '../lib/agents';
import { decideApproval, openAgent, removeAgent, resumeAgent, stopAgent } from '../lib/agentActions';
import { openItem } from '../lib/inboxActions';
import { awaitedItem, WAITING_ON, waitingText } from '../lib/waiting';
import { useStore } from '../store/store';
import { ConfirmButton } from './ConfirmButton';
import { StatusBadge } from './StatusBadge';
import { Icon } from './Icon';

/**
 * One agent under its host: status, what it waits on, tokens and cost. A click shows what it waits on in the inbox
 * (a plan, a checkpoint, an escalation: decided there, not at its terminal), else its terminal.
 */
export function AgentRow({ host, agent }: { host: string; agent: AgentInfo }) {
  const key = agent.sessionId ? terminalKey(host, agent.sessionId) : null;
  const isOpen = useStore((state) => key !== null && state.tabs.some((tab) => tab.panes.includes(key)));
  const item = useStore((state) => awaitedItem(host, agent, state.inbox.entries));
  const openDialog = useStore((state) => state.openDialog);
  const running = agentRunning(agent.status);
  const waiting = agent.status === 'waiting-for-human';
  const details = `${agent.profile} on ${agent.repo} · branch ${agent.branch}\n${agent.task}`;
  return (
    <li
      className={`agent-row${isOpen ? ' is-open' : ''}${waiting ? ' is-waiting' : ''}`}
      data-agent={agent.name}
      data-status={agent.status}
      data-waiting-on={item?.kind}
    >
      <div className="agent-line">
        <button
          type="button"
          className="session-open"
          onClick={() => (item ? openItem(host, item.id) : openAgent(host, agent))}
          disabled={!key && !item}
          title={item ? `Open what it waits on in the inbox: ${item.summary}\n${details}` : details}
        >
          <span className="agent-name">
            <span className="agent-mark" aria-hidden="true">◆</span>
            {agent.name}
          </span>
          <StatusBadge status={agent.status} waitingOn={item ? WAITING_ON[item.kind] : undefined} />
          {agent.confinement?.sandbox === 'not-enforced' && (
            <span className="agent-unconfined" data-testid="agent-not-enforced" title={`Not sandboxed: ${agent.confinement.note ?? 'the host cannot sandbox agents'} (policy: sandbox: best-effort)`}>
              not enforced
            </span>
          )}
        </button>
        <button type="button" className="icon-button" title="Send a message or an answer" onClick={() => openDialog({ kind: 'message-agent', host, agent: agent.name })}>
          <Icon name="message" />
        </button>
        {running ? (
          <button type="button" className="icon-button" title="Stop (the worktree, branch and conversation stay)" onClick={() => void stopAgent(host, agent.name)}>
            <Icon name="stop" />
          </button>
        ) : (
          <button type="button" className="icon-button" title="Resume in a new session" onClick={() => void resumeAgent(host, agent.name)}>
            <Icon name="play" />
          </button>
        )}
        {!running && (
          <ConfirmButton title="Remove the agent and its worktree (its branch stays)" confirmLabel="Remove?" onConfirm={() => void removeAgent(host, agent.name)}>
            <Icon name="close" />
          </ConfirmButton>
        )}
      </div>
      {waiting && (
        <p className="agent-question" data-testid="agent-question" title={agent.question?.text ?? item?.summary}>
          {waitingText(agent, item)}
        </p>
      )}
      {waiting && agent.question?.kind === 'approval' && (
        <p className="agent-approval">
          <button type="button" className="primary" data-testid="approve" onClick={() => void decideApproval(host, agent.question!.id, true)}>
            Approve
          </button>
          <button type="button" className="danger" data-testid="reject" onClick={() => void decideApproval(host, agent.question!.id, false)}>
            Reject
          </button>
        </p>
      )}
      <p className="agent-meta">
        <span title={`${agent.repo} · ${agent.branch}`}>
          {agent.profile} · {agent.repo}
        </span>
        <span title={`${agent.turns} turns${agent.model ? ` · ${agent.model}` : ''}`}>
          {formatTokens(agent.usage)} · <span data-testid="agent-cost">{formatCost(agent.costUsd)}</span>
        </span>
      </p>
    </li>
  );
}
