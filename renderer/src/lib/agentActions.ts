import { terminalKey } from '../../../common/app/api';
import type { AgentInfo } from '../../../common/protocol/agents';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { useStore } from '../store/store';
import { focusTerminal } from './commands';

/** An agent is watched through the terminal of the session it runs (or last ran) in. */
export function openAgent(host: string, agent: AgentInfo, placement: 'tab' | 'split' = 'tab'): void {
  const store = useStore.getState();
  if (!agent.sessionId) {
    store.toast('info', `${host}/${agent.name} has no session yet.`);
    return;
  }
  const key = terminalKey(host, agent.sessionId);
  store.openTerminal(key, placement);
  focusTerminal(key);
}

export async function stopAgent(host: string, name: string): Promise<void> {
  try {
    await client().request('agents.stop', { host, agent: name });
  } catch (error) {
    useStore.getState().toast('error', `Could not stop ${host}/${name}: ${errorMessage(error)}`);
  }
}

/** Resumes in a new session and shows it. */
export async function resumeAgent(host: string, name: string): Promise<void> {
  try {
    const { agent } = await client().request('agents.resume', { host, agent: name });
    openAgent(host, agent);
  } catch (error) {
    useStore.getState().toast('error', `Could not resume ${host}/${name}: ${errorMessage(error)}`);
  }
}

/** Forgets the agent and removes its worktree; the host refuses when the worktree has changes, and says so. */
export async function removeAgent(host: string, name: string): Promise<void> {
  try {
    await client().request('agents.remove', { host, agent: name });
    useStore.getState().toast('info', `Removed ${host}/${name}; its branch stays in the repo.`);
  } catch (error) {
    useStore.getState().toast('error', `Could not remove ${host}/${name}: ${errorMessage(error)}`);
  }
}

/** Decides a command the host policy holds for approval (the agent's pending question of kind approval). */
export async function decideApproval(host: string, id: string, approve: boolean): Promise<void> {
  try {
    const { approval } = await client().request('approvals.decide', { host, id, approve });
    useStore.getState().toast('info', `${approve ? 'Approved' : 'Rejected'} for ${host}/${approval.agent}: ${approval.command}`);
  } catch (error) {
    useStore.getState().toast('error', `Could not ${approve ? 'approve' : 'reject'} ${host}/${id}: ${errorMessage(error)}`);
  }
}
