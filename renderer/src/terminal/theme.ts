import type { ITheme } from '@xterm/xterm';

/** Matches the app's dark palette (styles.css) so a pane reads as part of the window, not a hole in it. */
export const terminalTheme: ITheme = {
  background: '#0d1117',
  foreground: '#d6dde6',
  cursor: '#7dd3fc',
  cursorAccent: '#0d1117',
  selectionBackground: '#264f78',
  black: '#1c2128',
  red: '#f47067',
  green: '#6bc46d',
  yellow: '#e0b34a',
  blue: '#6cb6ff',
  magenta: '#dcbdfb',
  cyan: '#56d4dd',
  white: '#c5d1de',
  brightBlack: '#636e7b',
  brightRed: '#ff938a',
  brightGreen: '#8ddb8c',
  brightYellow: '#f0cf6a',
  brightBlue: '#96d0ff',
  brightMagenta: '#eedcff',
  brightCyan: '#7fe8ef',
  brightWhite: '#f0f6fc',
};

export const terminalFont = {
  fontFamily: '"JetBrains Mono", "Fira Code", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
  fontSize: 13,
  lineHeight: 1.15,
};
