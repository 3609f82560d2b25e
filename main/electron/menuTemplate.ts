/** The app menu as data; main/index.ts turns it into an Electron Menu. Terminal-friendly accelerators on Linux/Windows. */
export type MenuAction = 'palette' | 'add-host' | 'new-session' | 'next-waiting';

export interface MenuItem {
  label?: string;
  role?: string;
  type?: 'separator';
  accelerator?: string;
  /** false: shown in the menu, but the key reaches the page, whose own handler runs the command. */
  registerAccelerator?: boolean;
  action?: MenuAction;
  submenu?: MenuItem[];
}

export function menuTemplate(platform: NodeJS.Platform, options: { devtools: boolean }): MenuItem[] {
  const mac = platform === 'darwin';
  // Ctrl+C / Ctrl+V belong to the shell inside a terminal; copy/paste are Ctrl+Shift+C/V like every Linux terminal.
  const copy = mac ? 'Cmd+C' : 'Ctrl+Shift+C';
  const paste = mac ? 'Cmd+V' : 'Ctrl+Shift+V';
  return [
    ...(mac ? [{ role: 'appMenu' }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Add Host…', accelerator: 'CmdOrCtrl+Shift+H', action: 'add-host', registerAccelerator: false },
        { label: 'Start Session…', accelerator: 'CmdOrCtrl+Shift+T', action: 'new-session', registerAccelerator: false },
        { type: 'separator' },
        { role: mac ? 'close' : 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        { role: 'copy', accelerator: copy },
        { role: 'paste', accelerator: paste },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Command Palette', accelerator: 'CmdOrCtrl+K', action: 'palette', registerAccelerator: false },
        { label: 'Next Agent Waiting on You', accelerator: 'CmdOrCtrl+Shift+J', action: 'next-waiting', registerAccelerator: false },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
        ...(options.devtools ? [{ type: 'separator' as const }, { role: 'toggleDevTools' }] : []),
      ],
    },
    { role: 'windowMenu' },
  ];
}
