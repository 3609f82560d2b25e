import type { StateCreator } from 'zustand';
import type { Prompt } from '../../../common/app/prompts';
import type { Store } from './store';

export interface PromptSlice {
  /** Oldest first; the dialog shows the head. */
  prompts: Prompt[];
  addPrompt(prompt: Prompt): void;
  settlePrompt(id: string): void;
}

export const createPromptSlice: StateCreator<Store, [], [], PromptSlice> = (set) => ({
  prompts: [],
  addPrompt: (prompt) =>
    set((state) => (state.prompts.some((entry) => entry.id === prompt.id) ? {} : { prompts: [...state.prompts, prompt] })),
  settlePrompt: (id) => set((state) => ({ prompts: state.prompts.filter((entry) => entry.id !== id) })),
});
