import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRepo, type TestRepo } from '../../test/harness/repo';
import { AuditLog } from '../audit/auditLog';
import { openDatabase, type Db } from '../journal/database';
import { effectivePolicy, defaultHostLayer } from '../policy';
import { Repos } from '../repos/repos';
import { Governance } from './governance';
import { withModelEndpoints } from './modelEndpoints';

describe('Governance', () => {
  let stateDir: string;
  let outside: string;
  let db: Db;
  let repo: TestRepo;
  let repos: Repos;
  let governance: Governance;

  beforeEach(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'governance-'));
    outside = mkdtempSync(join('/var/tmp', 'governance-outside-'));
    db = openDatabase(join(stateDir, 'host.db'));
    const audit = new AuditLog(db);
    repos = new Repos(db, join(stateDir, 'repos'), join(stateDir, 'worktrees'), {
      confineGit: (argv, dir, readable) => governance.confineGit(argv, dir, readable),
    });
    governance = new Governance({ stateDir, db, audit, repos, log: () => undefined });
    repo = await makeRepo();
    await repos.add('app', repo.dir, undefined);
  });

  afterEach(async () => {
    await governance.close();
    db.close();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
    await repo.cleanup();
  });

  const policyChanges = () =>
    (db.prepare("SELECT reason, data FROM audit WHERE action = 'policy.change' ORDER BY seq").all() as { reason: string; data: string }[]).map(
      (row) => ({ reason: row.reason, ...(JSON.parse(row.data) as { from: string; to: string }) }),
    );

  it('audits the host policy file changing between reads, once per change', () => {
    governance.hostPolicy();
    expect(policyChanges()).toEqual([]);
    const file = join(stateDir, 'policy.yaml');
    writeFileSync(file, 'commands:\n  deny: ["git push *"]\n');
    chmodSync(file, 0o600);
    expect(governance.hostPolicy().present).toBe(true);
    governance.hostPolicy();
    writeFileSync(file, 'commands:\n  deny: ["git push *", "npm publish *"]\n');
    governance.hostPolicy();
    rmSync(file);
    expect(governance.hostPolicy().present).toBe(false);
    const changes = policyChanges();
    expect(changes.map((change) => change.reason)).toEqual([
      'the policy file changed',
      'the policy file changed',
      'the policy file was removed: the closed defaults apply',
    ]);
    expect(changes[0]!.from).toBe('none');
    expect(changes[1]!.from).toBe(changes[0]!.to);
    expect(changes[2]!.to).toBe('none');
  });

  it('refuses a group-writable host policy: whoever can write it decides what agents do', async () => {
    const file = join(stateDir, 'policy.yaml');
    writeFileSync(file, 'sandbox: best-effort\n');
    chmodSync(file, 0o664);
    await expect(governance.policyFor()).rejects.toThrow(/group or others can write|writable/);
  });

  it("reads a repo's policy from the commit, not from any worktree", async () => {
    const layered = await makeRepo([{ message: 'narrow', files: { '.flightdeck/policy.yaml': 'commands:\n  ask: ["npm install *"]\n' } }]);
    try {
      await repos.add('narrow', layered.dir, undefined);
      const { policy, file } = await governance.policyFor('narrow');
      expect(file).toMatch(/^narrow@[0-9a-f]{12}:\.flightdeck\/policy\.yaml$/);
      expect(policy.commands.ask).toEqual([{ value: 'npm install *', source: { label: 'repo narrow .flightdeck/policy.yaml', line: 2 } }]);
      expect((await governance.policyFor('app')).file).toBeNull();
    } finally {
      await layered.cleanup();
    }
  });

  it('allows the model endpoints from agent.env, loopback ones literally, without touching the policy it was given', () => {
    const base = effectivePolicy(defaultHostLayer(stateDir));
    const policy = withModelEndpoints(base, { ANTHROPIC_BASE_URL: 'http://localhost:8123', FLIGHTDECK_CODEX_BASE_URL: 'https://gw.corp.example/v1' });
    expect(policy.egress.allow).toEqual([
      { value: 'localhost:8123', source: 'runtime', local: true },
      { value: 'gw.corp.example:443', source: 'runtime', local: false },
    ]);
    expect(base.egress.allow).toEqual([]);
    expect(withModelEndpoints(base, { ANTHROPIC_API_KEY: 'sk-ant-x' }).egress.allow.map((rule) => rule.value)).toEqual(['api.anthropic.com:443']);
  });

  it("runs git status in an agent's repository confined: its config cannot make the host run a command", async () => {
    const { path } = await repos.createWorktree('app', 'agent', (await simpleGit(repo.dir).revparse(['HEAD'])).trim());
    const marker = join(outside, 'fsmonitor-ran');
    // What an agent could write into its own repository's config: git would run this on every status.
    execFileSync('git', ['-C', path, 'config', 'core.fsmonitor', `touch ${marker}; false`]);
    writeFileSync(join(path, 'new.txt'), 'agent work\n');
    expect(await repos.dirtyFiles(path, 'app')).toEqual(['new.txt']);
    expect(existsSync(marker)).toBe(false);
  });
});
