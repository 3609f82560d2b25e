import { terminalKey } from '../../../common/app/api';
import type { SessionInfo } from '../../../common/protocol/session';
import { focusTerminal, removeSession } from '../lib/commands';
import { useStore } from '../store/store';
import { ConfirmButton } from './ConfirmButton';
import { StatusBadge } from './StatusBadge';
import { Icon } from './Icon';

export function SessionRow({ host, session }: { host: string; session: SessionInfo }) {
  const key = terminalKey(host, session.id);
  const openTerminal = useStore((state) => state.openTerminal);
  const isOpen = useStore((state) => state.tabs.some((tab) => tab.panes.includes(key)));
  const open = (placement: 'tab' | 'split') => {
    openTerminal(key, placement);
    focusTerminal(key);
  };
  return (
    <li className={`session-row${isOpen ? ' is-open' : ''}`} data-session={session.id}>
      <button
        type="button"
        className="session-open"
        onClick={() => open('tab')}
        title={`${session.command} ${session.args.join(' ')} — ${session.cwd}`}
      >
        <span className="session-name">{session.name || session.command}</span>
        <StatusBadge status={session.status} />
      </button>
      <button type="button" className="icon-button" onClick={() => open('split')} title="Open beside the current terminal">
        <Icon name="split" />
      </button>
      {(session.status === 'exited' || session.status === 'interrupted') && (
        <ConfirmButton title="Remove this ended session and its output from the host" confirmLabel="Remove?" onConfirm={() => void removeSession(key)}>
          <Icon name="close" />
        </ConfirmButton>
      )}
    </li>
  );
}
