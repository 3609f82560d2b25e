/** Every app-level shortcut, in one table: the palette lists them, the window handler runs them, terminals let them through. */
export type CommandId =
  | 'palette'
  | 'add-host'
  | 'new-session'
  | 'split-session'
  | 'start-agent'
  | 'close-pane'
  | 'remove-session'
  | 'next-waiting'
  | 'find'
  | 'next-tab'
  | 'previous-tab'
  | 'inbox'
  | 'runs'
  | 'terminals'
  | 'agents'
  | 'runbooks'
  | 'audit'
  | 'policy';

export interface Shortcut {
  command: CommandId;
  /** KeyboardEvent.code */
  code: string;
  shift: boolean;
  label: string;
}

export const shortcuts: Shortcut[] = [
  { command: 'palette', code: 'KeyK', shift: false, label: 'Mod+K' },
  { command: 'palette', code: 'KeyP', shift: true, label: 'Mod+Shift+P' },
  { command: 'add-host', code: 'KeyH', shift: true, label: 'Mod+Shift+H' },
  { command: 'new-session', code: 'KeyT', shift: true, label: 'Mod+Shift+T' },
  { command: 'split-session', code: 'KeyD', shift: true, label: 'Mod+Shift+D' },
  { command: 'start-agent', code: 'KeyA', shift: true, label: 'Mod+Shift+A' },
  { command: 'close-pane', code: 'KeyW', shift: true, label: 'Mod+Shift+W' },
  { command: 'next-waiting', code: 'KeyJ', shift: true, label: 'Mod+Shift+J' },
  { command: 'find', code: 'KeyF', shift: true, label: 'Mod+Shift+F' },
  { command: 'next-tab', code: 'BracketRight', shift: true, label: 'Mod+Shift+]' },
  { command: 'previous-tab', code: 'BracketLeft', shift: true, label: 'Mod+Shift+[' },
  { command: 'inbox', code: 'KeyE', shift: true, label: 'Mod+Shift+E' },
  { command: 'runs', code: 'KeyG', shift: true, label: 'Mod+Shift+G' },
  { command: 'agents', code: 'KeyL', shift: true, label: 'Mod+Shift+L' },
  { command: 'runbooks', code: 'KeyB', shift: true, label: 'Mod+Shift+B' },
  { command: 'audit', code: 'KeyU', shift: true, label: 'Mod+Shift+U' },
  { command: 'policy', code: 'KeyO', shift: true, label: 'Mod+Shift+O' },
];

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);

export function shortcutFor(event: KeyboardEvent): CommandId | null {
  const mod = isMac ? event.metaKey : event.ctrlKey;
  if (!mod || event.altKey) return null;
  const match = shortcuts.find((entry) => entry.code === event.code && entry.shift === event.shiftKey);
  return match?.command ?? null;
}

export function isAppShortcut(event: KeyboardEvent): boolean {
  return shortcutFor(event) !== null;
}

export function shortcutLabel(command: CommandId): string | undefined {
  const label = shortcuts.find((entry) => entry.command === command)?.label;
  return label?.replace('Mod', isMac ? '⌘' : 'Ctrl');
}
