import { useEffect } from 'react';
import { runCommand } from '../lib/commands';
import { shortcutFor } from '../lib/shortcuts';
import { CommandPalette } from './CommandPalette';
import { ConnectionScreen } from './ConnectionScreen';
import { DialogLayer } from './DialogLayer';
import { PromptLayer } from './PromptLayer';
import { Sidebar } from './Sidebar';
import { Workspace } from './Workspace';
import { useInboxBadge } from '../lib/badge';
import { useInboxNotifications } from '../lib/inboxNotifications';
import { Toasts } from './Toasts';

export function App() {
  useInboxBadge();
  useInboxNotifications();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const command = shortcutFor(event);
      if (!command) return;
      event.preventDefault();
      event.stopPropagation();
      runCommand(command);
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, []);
  return (
    <div className="app">
      <Sidebar />
      <Workspace />
      <DialogLayer />
      <CommandPalette />
      <PromptLayer />
      <Toasts />
      <ConnectionScreen />
    </div>
  );
}
