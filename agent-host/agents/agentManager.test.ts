import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentInfo } from '../../common/protocol/agents';
import { makeRepo, type TestRepo } from '../../test/harness/repo';
import { AuditLog } from '../audit/auditLog';
import { openDatabase, type Db } from '../journal/database';
import { Journal } from '../journal/journal';
import { Repos } from '../repos/repos';
import { SessionManager } from '../sessions/sessionManager';
import { AGENT_HOST_BUNDLE } from '../../test/integration/agent-host/client';
import { Governance } from '../governance/governance';
import { AgentManager } from './agentManager';

const HUMAN = { actor: 'user:lead', data: {} };

describe('AgentManager', () => {
  let stateDir: string;
  let db: Db;
  let sessions: SessionManager;
  let agents: AgentManager;
  let repo: TestRepo;
  let governance: Governance;

  beforeEach(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'agents-'));
    db = openDatabase(join(stateDir, 'host.db'));
    const audit = new AuditLog(db);
    sessions = new SessionManager(new Journal(db), audit, {
      limits: { retentionBytes: 1024 * 1024 },
      exitedRetention: { maxAgeMs: 0, maxTotalBytes: 0 },
    });
    const repos = new Repos(db, join(stateDir, 'repos'), join(stateDir, 'worktrees'));
    governance = new Governance({ stateDir, db, audit, repos, log: () => undefined });
    agents = new AgentManager({
      stateDir,
      db,
      sessions,
      audit,
      repos,
      governance,
      nodePath: process.execPath,
      hostEntry: AGENT_HOST_BUNDLE,
      log: () => undefined,
      hooksDeadlineMs: 300,
    });
    repo = await makeRepo();
    await repos.add('app', repo.dir, undefined);
  });

  afterEach(async () => {
    sessions.shutdown();
    await governance.close();
    db.close();
    rmSync(stateDir, { recursive: true, force: true });
    await repo.cleanup();
  });

  const until = (name: string, done: (agent: AgentInfo) => boolean) =>
    new Promise<AgentInfo>((resolve) => {
      const stop = agents.events.on(({ agent }) => {
        if (agent.name === name && done(agent)) {
          stop();
          resolve(agent);
        }
      });
    });

  it('stops a CLI agent whose hooks never reach the host: it would run ungoverned (fail closed)', async () => {
    // A "Claude Code" that never runs its hooks, as one given a settings file it silently ignores would.
    writeFileSync(join(stateDir, 'profiles.yaml'), 'profiles:\n  deaf:\n    kind: claude-code\n    command: /bin/sh\n    args: [-c, "sleep 60"]\n');
    const exited = until('deaf', (agent) => agent.status === 'exited');
    await agents.start({ repo: 'app', profile: 'deaf', task: 'anything', name: 'deaf', cols: 80, rows: 24 }, HUMAN);
    expect((await exited).question).toBeNull();
    const stop = db.prepare("SELECT actor, reason, data FROM audit WHERE action = 'agent.stop'").get() as { actor: string; reason: string; data: string };
    expect(stop.actor).toBe('host');
    expect(stop.reason).toContain('hooks did not reach the host within 0.3 s');
    expect(JSON.parse(stop.data)).toEqual({ rule: 'hooks-unverified' });
  });

  it('leaves a command agent, which has no hooks, running', async () => {
    writeFileSync(join(stateDir, 'profiles.yaml'), 'profiles:\n  plain:\n    kind: command\n    command: /bin/sh\n    args: [-c, "echo up; sleep 60"]\n');
    const started = await agents.start({ repo: 'app', profile: 'plain', task: 'anything', name: 'plain', cols: 80, rows: 24 }, HUMAN);
    const session = sessions.get(started.sessionId!);
    // Past the deadline a CLI under hooks would have been stopped; output proves time passed in the session.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (session.endOffset > 0 && Date.now() - started.createdAt > 600) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
    });
    expect(session.running).toBe(true);
    expect(agents.list().find((agent) => agent.name === 'plain')?.status).not.toBe('exited');
  });
});
