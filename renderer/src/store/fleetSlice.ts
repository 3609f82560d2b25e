import type { StateCreator } from 'zustand';
import type { HostView } from '../../../common/app/hosts';
import type { AgentEvent } from '../../../common/protocol/agents';
import type { SessionEvent } from '../../../common/protocol/methods';
import type { Store } from './store';

export interface FleetSlice {
  hosts: Record<string, HostView>;
  hostOrder: string[];
  fleetLoaded: boolean;
  fleetError: string | null;
  setHosts(hosts: HostView[]): void;
  setFleetError(error: string | null): void;
  upsertHost(host: HostView): void;
  removeHost(name: string): void;
  applySessionEvent(host: string, event: SessionEvent): void;
  applyAgentEvent(host: string, event: AgentEvent): void;
}

export const createFleetSlice: StateCreator<Store, [], [], FleetSlice> = (set) => ({
  hosts: {},
  hostOrder: [],
  fleetLoaded: false,
  fleetError: null,
  setHosts: (hosts) =>
    set({
      hosts: Object.fromEntries(hosts.map((host) => [host.name, host])),
      hostOrder: hosts.map((host) => host.name),
      fleetLoaded: true,
      fleetError: null,
    }),
  setFleetError: (fleetError) => set({ fleetError, fleetLoaded: true }),
  upsertHost: (host) =>
    set((state) => ({
      hosts: { ...state.hosts, [host.name]: host },
      hostOrder: state.hostOrder.includes(host.name) ? state.hostOrder : [...state.hostOrder, host.name],
    })),
  removeHost: (name) =>
    set((state) => {
      const hosts = { ...state.hosts };
      delete hosts[name];
      return { hosts, hostOrder: state.hostOrder.filter((entry) => entry !== name) };
    }),
  applySessionEvent: (hostName, event) =>
    set((state) => {
      const host = state.hosts[hostName];
      if (!host) return {};
      const others = host.sessions.filter((session) => session.id !== event.session.id);
      const sessions =
        event.type === 'removed'
          ? others
          : host.sessions.some((session) => session.id === event.session.id)
            ? host.sessions.map((session) => (session.id === event.session.id ? event.session : session))
            : [...host.sessions, event.session];
      return { hosts: { ...state.hosts, [hostName]: { ...host, sessions } } };
    }),
  applyAgentEvent: (hostName, event) =>
    set((state) => {
      const host = state.hosts[hostName];
      if (!host) return {};
      const known = host.agents ?? [];
      const others = known.filter((agent) => agent.name !== event.agent.name);
      const agents =
        event.type === 'removed'
          ? others
          : known.some((agent) => agent.name === event.agent.name)
            ? known.map((agent) => (agent.name === event.agent.name ? event.agent : agent))
            : [...known, event.agent];
      return { hosts: { ...state.hosts, [hostName]: { ...host, agents } } };
    }),
});
