import { Emitter, type Unsubscribe } from '../../common/events';
import type { AgentEvent, AgentInfo } from '../../common/protocol/agents';
import type { Lane } from './lane';

/** Whether the agent-host on the other end of a lane has repos and agents (older ones need `host upgrade`). */
export function runsAgents(lane: Lane): boolean {
  return lane.hello.capabilities.includes('agents');
}

/**
 * The agents of one host as last heard: listed after each (re)connect, then kept current by agent.event.
 * Kept across a drop (the agents keep running on the host), like the host's sessions.
 */
export class AgentRoster {
  private agents: AgentInfo[] | undefined;
  private readonly events = new Emitter<AgentEvent>();

  /** Undefined while the host is not known to run agents. */
  list(): AgentInfo[] | undefined {
    return this.agents;
  }

  onEvent(listener: (event: AgentEvent) => void): Unsubscribe {
    return this.events.on(listener);
  }

  /**
   * Follows a fresh lane: subscribes first, then lists. The lane delivers in order, so an event that came before the
   * list's answer is already in it, and every later one applies on top.
   */
  async follow(lane: Lane): Promise<void> {
    if (!runsAgents(lane)) {
      this.agents = undefined;
      return;
    }
    let listed = false;
    lane.peer.onNotification('agent.event', (event) => {
      if (listed) this.apply(event);
    });
    const { agents } = await lane.peer.request('agent.list', {});
    this.agents = [...agents].sort((a, b) => a.createdAt - b.createdAt);
    listed = true;
  }

  private apply(event: AgentEvent): void {
    const others = (this.agents ?? []).filter((agent) => agent.name !== event.agent.name);
    this.agents = event.type === 'removed' ? others : [...others, event.agent].sort((a, b) => a.createdAt - b.createdAt);
    this.events.emit(event);
  }

  clear(): void {
    this.events.clear();
  }
}
