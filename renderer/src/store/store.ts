import { create } from 'zustand';
import { createFleetSlice, type FleetSlice } from './fleetSlice';
import { createLayoutSlice, type LayoutSlice } from './layoutSlice';
import { createPromptSlice, type PromptSlice } from './promptSlice';
import { createRunsSlice, type RunsSlice } from './runsSlice';
import { createUiSlice, type UiSlice } from './uiSlice';
import { createViewSlice, type ViewSlice } from './viewSlice';

/** App state in slices. Terminal bytes never enter it: they go from the client straight into xterm. */
export type Store = FleetSlice & PromptSlice & LayoutSlice & UiSlice & RunsSlice & ViewSlice;

export const useStore = create<Store>()((...a) => ({
  ...createFleetSlice(...a),
  ...createPromptSlice(...a),
  ...createLayoutSlice(...a),
  ...createUiSlice(...a),
  ...createRunsSlice(...a),
  ...createViewSlice(...a),
}));
