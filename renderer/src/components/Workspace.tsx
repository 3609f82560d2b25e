import { useStore } from '../store/store';
import { AgentsView } from './agents/AgentsView';
import { AuditView } from './governance/AuditView';
import { PolicyView } from './governance/PolicyView';
import { RunbooksView } from './library/RunbooksView';
import { InboxItemView } from './runs/InboxItemView';
import { InboxView } from './runs/InboxView';
import { RunsView } from './runs/RunsView';
import { RunView } from './runs/RunView';
import { TerminalArea } from './TerminalArea';

function ViewArea() {
  const view = useStore((state) => state.view);
  switch (view.kind) {
    case 'terminals':
      return null;
    case 'inbox':
      return <InboxView />;
    case 'item':
      return <InboxItemView key={`${view.host}/${view.item}`} host={view.host} id={view.item} reject={view.reject} />;
    case 'runs':
      return <RunsView />;
    case 'run':
      return <RunView key={`${view.host}/${view.run}`} host={view.host} id={view.run} />;
    case 'audit':
      return <AuditView host={view.host} />;
    case 'policy':
      return <PolicyView host={view.host} />;
    case 'runbooks':
      return <RunbooksView host={view.host} />;
    case 'agents':
      return <AgentsView />;
  }
}

/**
 * The workspace: a view (inbox, an item, runs, a run, audit, policy, runbooks, agents), or the terminals. The terminals stay mounted under every view,
 * so they keep streaming; a run's graph shows them beside it once a step's agent is opened from it.
 */
export function Workspace() {
  const kind = useStore((state) => state.view.kind);
  const beside = useStore((state) => state.terminalsBeside && (state.view.kind === 'run' || state.view.kind === 'item'));
  const terminals = kind === 'terminals' || beside;
  return (
    <main className={`workspace-frame${beside ? ' with-terminals' : ''}`} data-view={kind}>
      {kind !== 'terminals' && (
        <div className="view-area">
          <ViewArea />
        </div>
      )}
      <div className="terminal-frame" hidden={!terminals}>
        <TerminalArea />
      </div>
    </main>
  );
}
