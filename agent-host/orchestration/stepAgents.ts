import type { AgentInfo } from '../../common/protocol/agents';
import type { AgentManager } from '../agents/agentManager';
import type { Actor } from '../sessions/sessionManager';

/** What the host does on its own (a run's coordinator, a restart), in the audit. */
export const HOST_ACTOR: Actor = { actor: 'host', data: {} };

/**
 * How the coordinator drives its step agents: it stops them (and knows those ends are its own, no crash), wakes them
 * with a message, and tells an agent's finished turn from the idle a resumed agent reports before it reads its message.
 */
export class StepAgents {
  /** Agents the coordinator itself stopped (a step finished, a pause, a cancel): their end is no crash. */
  private readonly stopping = new Set<string>();
  /** Model calls an agent had made when it was last woken: an idle without a call since is no end of its turn. */
  private readonly turnsAtWake = new Map<string, number>();

  constructor(
    private readonly agents: AgentManager,
    private readonly log: (message: string) => void,
  ) {}

  /** Its turn is over: idle after at least one model call since it was started or woken, and not stopped by us. */
  finishedTurn(agent: AgentInfo): boolean {
    return agent.status === 'idle' && agent.turns > (this.turnsAtWake.get(agent.name) ?? 0) && !this.stopping.has(agent.name);
  }

  /** It ended and nobody here asked it to: a crash, its budget, a person's `agent stop`. */
  endedUnasked(agent: AgentInfo): boolean {
    return (agent.status === 'exited' || agent.status === 'stopped') && !this.stopping.has(agent.name);
  }

  /** Stops it if it runs (a pause, a cancel, a start that raced one), without waiting for its end. */
  stop(name: string, by: Actor = HOST_ACTOR): void {
    if (!this.agents.isRunning(name)) return;
    this.stopping.add(name);
    this.agents.stop(name, by);
  }

  /** Stops it and resolves once its process is gone (its worktree no longer changes). */
  async stopAndWait(name: string): Promise<void> {
    if (!this.agents.isRunning(name)) return;
    const ended = new Promise<void>((resolve) => {
      const off = this.agents.events.on(({ agent }) => {
        if (agent.name === name && !this.agents.isRunning(name)) {
          off();
          resolve();
        }
      });
    });
    this.stop(name);
    await ended;
  }

  /** Resumes one the coordinator stopped (after a pause); a failure is logged, the step stays as it is. */
  async resume(run: string, name: string, by: Actor): Promise<void> {
    this.stopping.delete(name);
    await this.agents.resume(name, {}, by).catch((error: unknown) => this.log(`run ${run}: could not resume ${name}: ${String(error)}`));
  }

  /** Tells it something and makes sure it runs to hear it. */
  async wake(run: string, name: string, message: string, by: Actor): Promise<void> {
    this.agents.send(name, message, by);
    if (this.agents.isRunning(name)) return;
    this.turnsAtWake.set(name, this.agents.find(name)?.turns ?? 0);
    await this.resume(run, name, by);
  }
}
