import type { StateCreator } from 'zustand';
import type { Store } from './store';

export type Dialog =
  | { kind: 'add-host' }
  | { kind: 'start-session'; host: string | null; placement: 'tab' | 'split' }
  | { kind: 'start-agent'; host: string | null }
  | { kind: 'message-agent'; host: string; agent: string }
  | null;

export interface Toast {
  id: number;
  tone: 'info' | 'error';
  text: string;
}

export type ConnectionStatus = 'connecting' | 'ready' | 'lost';

export interface UiSlice {
  connection: ConnectionStatus;
  connectionError: string | null;
  mode: 'electron' | 'browser' | null;
  dialog: Dialog;
  paletteOpen: boolean;
  toasts: Toast[];
  setConnection(connection: ConnectionStatus, error?: string | null): void;
  setMode(mode: 'electron' | 'browser'): void;
  openDialog(dialog: Dialog): void;
  setPaletteOpen(open: boolean): void;
  toast(tone: Toast['tone'], text: string): void;
  dismissToast(id: number): void;
}

const TOAST_MS = 6000;
let nextToastId = 1;

export const createUiSlice: StateCreator<Store, [], [], UiSlice> = (set, get) => ({
  connection: 'connecting',
  connectionError: null,
  mode: null,
  dialog: null,
  paletteOpen: false,
  toasts: [],
  setConnection: (connection, error = null) => set({ connection, connectionError: error }),
  setMode: (mode) => set({ mode }),
  openDialog: (dialog) => set({ dialog, paletteOpen: false }),
  setPaletteOpen: (paletteOpen) => set({ paletteOpen }),
  toast: (tone, text) => {
    const id = nextToastId++;
    set((state) => ({ toasts: [...state.toasts.slice(-3), { id, tone, text }] }));
    setTimeout(() => get().dismissToast(id), TOAST_MS);
  },
  dismissToast: (id) => set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) })),
});
