import { runCommand } from '../lib/commands';
import { shortcutLabel, type CommandId } from '../lib/shortcuts';
import { useStore } from '../store/store';

const ACTIVE = new Set(['planning', 'awaiting-approval', 'running', 'paused', 'blocked']);

function NavButton({ command, label, count, current, attention = false }: { command: CommandId; label: string; count: number | null; current: boolean; attention?: boolean }) {
  const shortcut = shortcutLabel(command);
  return (
    <button
      type="button"
      className={`nav-item${current ? ' is-current' : ''}`}
      aria-current={current ? 'page' : undefined}
      onClick={() => runCommand(command)}
      title={shortcut ? `${label} (${shortcut})` : label}
      data-nav={command}
    >
      <span>{label}</span>
      {count !== null && (attention || count > 0) && <span className={`nav-count${attention && count > 0 ? ' attention' : ''}`}>{count}</span>}
    </button>
  );
}

/** The workspace's views: the fleet's inbox (with how much waits), its runs (how many are under way), agents, runbooks, audit, policy, the terminals. */
export function ViewNav() {
  const kind = useStore((state) => state.view.kind);
  const inbox = useStore((state) => state.inbox.entries?.length ?? null);
  const active = useStore((state) => (state.runs.entries ? state.runs.entries.filter((entry) => ACTIVE.has(entry.run.state)).length : null));
  return (
    <nav className="view-nav" aria-label="Views">
      <NavButton command="inbox" label="Inbox" count={inbox} current={kind === 'inbox' || kind === 'item'} attention />
      {/* Runs under way; none under way shows no number. */}
      <NavButton command="runs" label="Runs" count={active} current={kind === 'runs' || kind === 'run'} />
      <NavButton command="agents" label="Agents" count={null} current={kind === 'agents'} />
      <NavButton command="runbooks" label="Runbooks" count={null} current={kind === 'runbooks'} />
      <NavButton command="audit" label="Audit" count={null} current={kind === 'audit'} />
      <NavButton command="policy" label="Policy" count={null} current={kind === 'policy'} />
      <NavButton command="terminals" label="Terminals" count={null} current={kind === 'terminals'} />
    </nav>
  );
}
