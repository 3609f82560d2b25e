import { Command } from 'cmdk';
import { terminalKey } from '../../../common/app/api';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { focusTerminal, runCommand } from '../lib/commands';
import { shortcutLabel, type CommandId } from '../lib/shortcuts';
import { useStore } from '../store/store';
import { StatusBadge } from './StatusBadge';

const ACTIONS: Array<{ command: CommandId; label: string }> = [
  { command: 'new-session', label: 'Start a session…' },
  { command: 'split-session', label: 'Start a session beside the current one…' },
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
                <kbd>{shortcutLabel(action.command)}</kbd>
              </Command.Item>
            ))}
          </Command.Group>
          <Command.Group heading="Sessions">
            {order.flatMap((hostName) =>
              (hosts[hostName]?.sessions ?? []).map((session) => {
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
              }),
            )}
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
