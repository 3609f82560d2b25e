import { useStore } from '../store/store';
import { openAgent } from './agentActions';

/** Shows an agent's terminal by its name on a host, as the fleet tree would. */
export function openAgentByName(host: string, name: string): void {
  const agent = useStore.getState().hosts[host]?.agents?.find((candidate) => candidate.name === name);
  if (agent) openAgent(host, agent);
  else useStore.getState().toast('info', `${host}/${name} is not among the host's agents (removed, or the host is away).`);
}

/** From a run's graph: the step's agent's terminal beside the graph, attached live. */
export function openStepAgent(host: string, name: string): void {
  if (useStore.getState().hosts[host]?.agents?.some((agent) => agent.name === name && agent.sessionId)) useStore.getState().setTerminalsBeside(true);
  openAgentByName(host, name);
}
