import { useStore } from '../store/store';
import { AddHostDialog } from './AddHostDialog';
import { MessageAgentDialog } from './MessageAgentDialog';
import { StartAgentDialog } from './StartAgentDialog';
import { StartSessionDialog } from './StartSessionDialog';

export function DialogLayer() {
  const dialog = useStore((state) => state.dialog);
  if (!dialog) return null;
  switch (dialog.kind) {
    case 'add-host':
      return <AddHostDialog />;
    case 'start-session':
      return <StartSessionDialog host={dialog.host} placement={dialog.placement} />;
    case 'start-agent':
      return <StartAgentDialog host={dialog.host} />;
    case 'message-agent':
      return <MessageAgentDialog host={dialog.host} agent={dialog.agent} />;
  }
}
