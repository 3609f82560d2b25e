/** Stroke icons drawn inline, so they never depend on which symbol fonts the machine has. */
const PATHS = {
  plus: 'M8 3v10M3 8h10',
  close: 'M4 4l8 8M12 4l-8 8',
  search: 'M7 3a4 4 0 1 0 0 8a4 4 0 1 0 0-8M10 10l3.5 3.5',
  split: 'M2.5 3.5h11v9h-11zM8 3.5v9',
  stop: 'M4.5 4.5h7v7h-7z',
  play: 'M5.5 3.5l6 4.5-6 4.5z',
  message: 'M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z',
  agent: 'M8 2l5.2 3v6L8 14l-5.2-3V5zM8 5.5v5M5.5 8h5',
  retry: 'M12.5 8a4.5 4.5 0 1 1-1.3-3.2M12.5 2.5v2.8h-2.8',
  up: 'M4 10l4-4 4 4',
  down: 'M4 6l4 4 4-4',
  bell: 'M4.5 11V7.5a3.5 3.5 0 0 1 7 0V11l1 1.5h-9zM6.8 13.8a1.3 1.3 0 0 0 2.4 0',
  bellOff: 'M4.5 11V7.5a3.5 3.5 0 0 1 7 0V11l1 1.5h-9zM6.8 13.8a1.3 1.3 0 0 0 2.4 0M2.5 2.5l11 11',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name }: { name: IconName }) {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
