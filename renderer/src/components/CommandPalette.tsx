import { Command } from 'cmdk';
import { terminalKey } from '../../../common/app/api';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { agentRunning, plainSessions } from '../lib/agents';
import { openAgent, resumeAgent, stopAgent } from '../lib/agentActions';
import { focusTerminal, runCommand } from '../lib/commands';
import { shortcutLabel, type CommandId } from '../lib/shortcuts';
import { useStore } from '../store/store';
import { KIND_LABELS, openItem } from '../lib/inboxActions';
import { RunStateBadge } from './runs/StateBadge';
import { StatusBadge } from './StatusBadge';

const ACTIONS: Array<{ command: CommandId; label: string }> = [
  { command: 'inbox', label: 'Open the inbox' },
  { command: 'runs', label: 'Show the runs' },
  { command: 'terminals', label: 'Show the terminals' },
  { command: 'agents', label: 'Show the agents of the fleet' },
  { command: 'runbooks', label: 'Runbooks: start a run…' },
  { command: 'audit', label: "Show a host's audit" },
  { command: 'policy', label: "Show a host's policy" },
  { command: 'new-session', label: 'Start a session…' },
  { command: 'split-session', label: 'Start a session beside the current one…' },
  { command: 'start-agent', label: 'Start an agent…' },
  { command: 'add-host', label: 'Add host…' },
  { command: 'next-waiting', label: 'Jump to the next agent waiting on you' },
  { command: 'find', label: 'Find in terminal' },
  { command: 'close-pane', label: 'Close the focused pane' },
  { command: 'remove-session', label: 'Remove the focused session (ended) and its output' },
  { command: 'next-tab', label: 'Next tab' },
  { command: 'previous-tab', label: 'Previous tab' },
];

export function CommandPalette() {
  const open = useStore((state) => state.paletteOpen);
  const setOpen = useStore((state) => state.setPaletteOpen);
  const hosts = useStore((state) => state.hosts);
  const order = useStore((state) => state.hostOrder);
  const toast = useStore((state) => state.toast);
  const inbox = useStore((state) => state.inbox.entries);
  const runs = useStore((state) => state.runs.entries);
  if (!open) return null;
  const run = (action: () => void) => {
    setOpen(false);
    action();
  };
  const openSession = (key: string, placement: 'tab' | 'split') =>
    run(() => {
      useStore.getState().openTerminal(key, placement);
      focusTerminal(key);
    });
  return (
    <div className="modal-backdrop" onMouseDown={() => setOpen(false)}>
      <Command
        className="palette"
        label="Command palette"
        onMouseDown={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          if (event.key === 'Escape') setOpen(false);
        }}
      >
        <Command.Input autoFocus placeholder="Type a command, a session or a host…" />
        <Command.List>
          <Command.Empty>Nothing matches.</Command.Empty>
          <Command.Group heading="Actions">
            {ACTIONS.map((action) => (
              <Command.Item key={action.command} value={action.label} onSelect={() => run(() => runCommand(action.command))}>
                <span>{action.label}</span>
                {shortcutLabel(action.command) && <kbd>{shortcutLabel(action.command)}</kbd>}
              </Command.Item>
            ))}
          </Command.Group>
          <Command.Group heading="Inbox">
            {(inbox ?? []).map((item) => (
              <Command.Item
                key={`item ${item.host}/${item.id}`}
                value={`inbox ${item.kind} ${item.host} ${item.id} ${item.run ?? ''} ${item.step ?? ''} ${item.summary}`}
                onSelect={() => run(() => openItem(item.host, item.id))}
              >
                <span>
                  <span className="muted">{KIND_LABELS[item.kind]} · {item.host} / </span>
                  {item.summary}
                </span>
              </Command.Item>
            ))}
          </Command.Group>
          <Command.Group heading="Runs">
            {(runs ?? []).map((entry) => (
              <Command.Item
                key={`run ${entry.host}/${entry.run.id}`}
                value={`run ${entry.host} ${entry.run.id} ${entry.run.runbook.name} ${entry.run.repo} ${entry.run.state}`}
                onSelect={() => run(() => useStore.getState().showView({ kind: 'run', host: entry.host, run: entry.run.id }))}
              >
                <span>
                  <span className="muted">{entry.host} / </span>
                  {entry.run.id} <span className="muted">{entry.run.runbook.name} on {entry.run.repo}</span>
                </span>
                <RunStateBadge state={entry.run.state} />
              </Command.Item>
            ))}
          </Command.Group>
          <Command.Group heading="Agents">
            {order.flatMap((hostName) =>
              (hosts[hostName]?.agents ?? []).flatMap((agent) => {
                const id = `${hostName}/${agent.name}`;
                const search = `${id} ${agent.repo} ${agent.profile} ${agent.status}`;
                const items = [
                  <Command.Item key={`open ${id}`} value={`agent ${search}`} onSelect={() => run(() => openAgent(hostName, agent))}>
                    <span>
                      <span className="muted">{hostName} / </span>
                      {agent.name}
                      {agent.question && <span className="muted"> — {agent.question.text}</span>}
                    </span>
                    <StatusBadge status={agent.status} />
                  </Command.Item>,
                  <Command.Item
                    key={`message ${id}`}
                    value={`message answer ${search}`}
                    onSelect={() => run(() => useStore.getState().openDialog({ kind: 'message-agent', host: hostName, agent: agent.name }))}
                  >
                    <span>{agent.status === 'waiting-for-human' ? 'Answer' : 'Message'} {id}…</span>
                  </Command.Item>,
                ];
                if (agentRunning(agent.status)) {
                  items.push(
                    <Command.Item key={`stop ${id}`} value={`stop ${search}`} onSelect={() => run(() => void stopAgent(hostName, agent.name))}>
                      <span>Stop {id}</span>
                    </Command.Item>,
                  );
                } else {
                  items.push(
                    <Command.Item key={`resume ${id}`} value={`resume ${search}`} onSelect={() => run(() => void resumeAgent(hostName, agent.name))}>
                      <span>Resume {id}</span>
                    </Command.Item>,
                  );
                }
                return items;
              }),
            )}
          </Command.Group>
          <Command.Group heading="Sessions">
            {order.flatMap((hostName) => {
              const host = hosts[hostName];
              return (host ? plainSessions(host) : []).map((session) => {
                const key = terminalKey(hostName, session.id);
                return (
                  <Command.Item key={key} value={`${hostName} ${session.name} ${session.command} ${session.id}`} onSelect={() => openSession(key, 'tab')}>
                    <span>
                      <span className="muted">{hostName} / </span>
                      {session.name || session.command}
                    </span>
                    <StatusBadge status={session.status} />
                  </Command.Item>
                );
              });
            })}
          </Command.Group>
          <Command.Group heading="Hosts">
            {order.map((hostName) => (
              <Command.Item
                key={hostName}
                value={`connect ${hostName}`}
                onSelect={() =>
                  run(() =>
                    void client()
                      .request('hosts.connect', { name: hostName })
                      .catch((error) => toast('error', `Could not connect ${hostName}: ${errorMessage(error)}`)),
                  )
                }
              >
                <span>Connect {hostName} now</span>
                <span className="muted">{hosts[hostName]?.state}</span>
              </Command.Item>
            ))}
          </Command.Group>
        </Command.List>
      </Command>
    </div>
  );
}
