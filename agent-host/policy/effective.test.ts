import { describe, expect, it } from 'vitest';
import { EffectivePolicy, redactPolicy } from '../../common/protocol/policy';
import { BUILT_IN_HIDDEN, effectivePolicy } from './effective';
import { defaultHostLayer, parsePolicy, policyLayerFromObject } from './layer';
import { PolicyError } from './policyError';

const HOST = 'host policy /srv/fd/policy.yaml';
const REPO = 'repo demo .flightdeck/policy.yaml';
const ROLE = 'runbook release role deployer';

const host = (text: string) => parsePolicy(text, HOST);
const repo = (text: string) => parsePolicy(text, REPO);

function widening(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).message.split('\n');
  }
  throw new Error('expected a PolicyError');
}

describe('effectivePolicy', () => {
  it('is closed without any file, hiding ~/.ssh, the state dir and agent.env (built-in)', () => {
    const policy = effectivePolicy(defaultHostLayer('/srv/fd'));
    expect(EffectivePolicy.parse(policy)).toEqual(policy);
    expect(policy).toEqual({
      layers: [{ label: 'defaults', present: false }],
      sandbox: { value: 'strict', source: 'default' },
      paths: {
        write: [],
        deny_read: [
          ...BUILT_IN_HIDDEN.map((value) => ({ value, source: 'built-in' })),
          { value: '/srv/fd', source: 'built-in' },
          { value: '/srv/fd/agent.env', source: 'built-in' },
        ],
      },
      commands: { deny: [], ask: [] },
      egress: { mode: { value: 'strict', source: 'default' }, allow: [] },
      mcp: { servers: {} },
      tools: { deny: [] },
      protected_paths: [],
      budget: { tokens: null, cost_usd: null },
    });
  });

  it('names the file and line of every rule, and "default" for what the file leaves out', () => {
    const policy = effectivePolicy(
      host('commands:\n  ask: [curl *]\negress:\n  allow:\n    - api.example.com\n    - "*.corp.example"\nbudget: { tokens: 500 }\n'),
      repo('commands:\n  deny: ["git push *"]\n'),
    );
    expect(policy.layers).toEqual([
      { label: HOST, present: true },
      { label: REPO, present: true },
    ]);
    expect(policy.commands.ask).toEqual([{ value: 'curl *', source: { label: HOST, line: 2 } }]);
    expect(policy.commands.deny).toEqual([{ value: 'git push *', source: { label: REPO, line: 2 } }]);
    expect(policy.egress.allow[1]).toEqual({ value: '*.corp.example', source: { label: HOST, line: 6 }, local: false });
    expect(policy.egress.allow[0]!.local).toBe(true);
    expect(policy.egress.mode.source).toBe('default');
    expect(policy.sandbox.source).toBe('default');
    expect(policy.budget.tokens).toEqual({ value: 500, source: { label: HOST, line: 7 } });
    expect(EffectivePolicy.parse(policy)).toEqual(policy);
  });

  it('lets the host widen anything', () => {
    const policy = effectivePolicy(host('sandbox: best-effort\negress: { mode: off }\npaths: { write: [/] }\n'));
    expect(policy.sandbox.value).toBe('best-effort');
    expect(policy.egress.mode.value).toBe('off');
    expect(policy.paths.write.map((rule) => rule.value)).toEqual(['/']);
  });

  it('refuses sandbox: best-effort under a strict host, allows strict under best-effort', () => {
    expect(widening(() => effectivePolicy(host(''), repo('sandbox: best-effort\n')))).toEqual([
      `${REPO} line 1: sandbox "best-effort" widens the host policy (it requires sandbox: strict)`,
    ]);
    const policy = effectivePolicy(host('sandbox: best-effort\n'), repo('sandbox: strict\n'));
    expect(policy.sandbox).toEqual({ value: 'strict', source: { label: REPO, line: 1 } });
  });

  it('lets paths.write only name what the host lets agents write, and then writes only those', () => {
    const wide = host('paths:\n  write: [/data/cache, "/srv/out/**", ~/scratch, "/logs/*.log"]\n');
    const policy = effectivePolicy(wide, repo('paths:\n  write: [/data/cache/npm, "/srv/out/a/*.tmp", ~/scratch, /logs/app.log]\n'));
    expect(policy.paths.write.map((rule) => rule.value)).toEqual(['/data/cache/npm', '/srv/out/a/*.tmp', '~/scratch', '/logs/app.log']);
    expect(widening(() => effectivePolicy(wide, repo('paths:\n  write:\n    - /data\n    - "/logs/*"\n    - /etc/passwd\n')))).toEqual([
      `${REPO} line 3: paths.write[0] "/data" widens the host policy (it allows writing only /data/cache, /srv/out/**, ~/scratch, /logs/*.log)`,
      `${REPO} line 4: paths.write[1] "/logs/*" widens the host policy (it allows writing only /data/cache, /srv/out/**, ~/scratch, /logs/*.log)`,
      `${REPO} line 5: paths.write[2] "/etc/passwd" widens the host policy (it allows writing only /data/cache, /srv/out/**, ~/scratch, /logs/*.log)`,
    ]);
    expect(widening(() => effectivePolicy(host(''), repo('paths: { write: [/tmp/x] }\n')))[0]).toContain(
      'it allows no writes beyond the worktree and temp dir',
    );
  });

  it('adds the narrower lists to the wider ones: deny_read, commands, tools.deny, protected_paths', () => {
    const policy = effectivePolicy(
      host('paths: { deny_read: [~/.vault] }\ncommands: { deny: [rm *], ask: [git push *] }\ntools: { deny: [WebFetch] }\nprotected_paths: [.github]\n'),
      repo('paths: { deny_read: [~/.vault, ~/.private] }\ncommands: { deny: [git push *] }\ntools: { deny: ["mcp__.*"] }\nprotected_paths: [src/auth]\n'),
      policyLayerFromObject({ commands: { ask: ['npm *'] } }, ROLE),
    );
    expect(policy.paths.deny_read.map((rule) => rule.value)).toEqual([...BUILT_IN_HIDDEN, '~/.vault', '~/.private']);
    expect(policy.paths.deny_read.find((rule) => rule.value === '~/.vault')!.source).toEqual({ label: HOST, line: 1 });
    expect(policy.commands.deny.map((rule) => rule.value)).toEqual(['rm *', 'git push *']);
    expect(policy.commands.ask).toEqual([
      { value: 'git push *', source: { label: HOST, line: 2 } },
      { value: 'npm *', source: { label: ROLE } },
    ]);
    expect(policy.tools.deny.map((rule) => rule.value)).toEqual(['WebFetch', 'mcp__.*']);
    expect(policy.protected_paths.map((rule) => rule.value)).toEqual(['.github', 'src/auth']);
    expect(policy.layers.map((layer) => layer.label)).toEqual([HOST, REPO, ROLE]);
  });

  it('orders egress modes strict < proxy < off and refuses a wider one', () => {
    expect(widening(() => effectivePolicy(host(''), repo('egress: { mode: proxy }\n')))).toEqual([
      `${REPO} line 1: egress.mode "proxy" widens the host policy (it allows egress.mode strict at most)`,
    ]);
    expect(widening(() => effectivePolicy(host('egress: { mode: proxy }\n'), repo('egress: { mode: off }\n')))).toHaveLength(1);
    const policy = effectivePolicy(host('egress: { mode: off }\n'), repo('egress: { mode: proxy }\n'), policyLayerFromObject({ egress: { mode: 'strict' } }, ROLE));
    expect(policy.egress.mode).toEqual({ value: 'strict', source: { label: ROLE } });
  });

  it('lets egress.allow name only destinations a strict host allows, port rules included', () => {
    const wide = host('egress:\n  allow: [api.example.com, "*.corp.example", "10.0.0.5:8443", "[::1]"]\n');
    const policy = effectivePolicy(wide, repo('egress:\n  allow: [API.example.com:443, git.corp.example, "*.eu.corp.example", "10.0.0.5:8443", "[::1]:3000"]\n'));
    expect(policy.egress.allow.map((rule) => [rule.value, rule.local])).toEqual([
      ['API.example.com:443', true],
      ['git.corp.example', false],
      ['*.eu.corp.example', false],
      ['10.0.0.5:8443', true],
      ['[::1]:3000', true],
    ]);
    const lines = widening(() =>
      effectivePolicy(wide, repo('egress:\n  allow:\n    - api.example.com\n    - evil.com\n    - corp.example\n    - "10.0.0.5"\n    - "*.example.com"\n')),
    );
    const only = 'it allows only api.example.com, *.corp.example, 10.0.0.5:8443, [::1]';
    expect(lines).toEqual([
      `${REPO} line 4: egress.allow[1] "evil.com" widens the host policy (${only})`,
      `${REPO} line 5: egress.allow[2] "corp.example" widens the host policy (${only})`,
      `${REPO} line 6: egress.allow[3] "10.0.0.5" widens the host policy (${only})`,
      `${REPO} line 7: egress.allow[4] "*.example.com" widens the host policy (${only})`,
    ]);
  });

  it('takes any egress.allow under a proxy or off host, but lets it reach local targets only as the host does', () => {
    const proxied = host('egress:\n  mode: proxy\n  allow: [localhost:11434]\n');
    const policy = effectivePolicy(proxied, repo('egress:\n  mode: strict\n  allow: [pypi.org, localhost:11434, localhost:5432]\n'));
    expect(policy.egress.mode.value).toBe('strict');
    expect(policy.egress.allow.map((rule) => [rule.value, rule.local])).toEqual([
      ['pypi.org', false],
      ['localhost:11434', true],
      ['localhost:5432', false],
    ]);
    const off = effectivePolicy(host('egress: { mode: off }\n'), repo('egress: { mode: strict, allow: [localhost:5432] }\n'));
    expect(off.egress.allow[0]!.local).toBe(true);
    // A wildcard above never lets a literal below reach a local address.
    const wildcard = effectivePolicy(host('egress: { allow: ["*.localhost"] }\n'), repo('egress: { allow: [db.localhost] }\n'));
    expect(wildcard.egress.allow[0]!.local).toBe(false);
  });

  it('keeps the wider egress.allow when the narrower layer declares none', () => {
    const policy = effectivePolicy(host('egress: { allow: [a.example] }\n'), repo('egress: { mode: strict }\n'));
    expect(policy.egress.allow.map((rule) => rule.value)).toEqual(['a.example']);
  });

  it('lets a narrower layer only narrow the tools of servers the host declares', () => {
    const wide = host(
      'mcp:\n  servers:\n    github:\n      command: gh-mcp\n      env: { GH_TOKEN: secret }\n      tools: { allow: [get_issue, "list_.*"], deny: [delete_repo] }\n    docs: { url: "https://docs.example/mcp" }\n',
    );
    const policy = effectivePolicy(
      wide,
      repo('mcp:\n  servers:\n    github:\n      tools: { allow: [get_issue, list_prs], deny: [list_secrets] }\n    docs:\n      tools: { allow: [search] }\n'),
    );
    expect(policy.mcp.servers.github).toMatchObject({
      command: 'gh-mcp',
      env: { GH_TOKEN: 'secret' },
      source: { label: HOST, line: 3 },
      tools: {
        allow: [
          { value: 'get_issue', source: { label: REPO, line: 4 } },
          { value: 'list_prs', source: { label: REPO, line: 4 } },
        ],
        deny: [
          { value: 'delete_repo', source: { label: HOST, line: 6 } },
          { value: 'list_secrets', source: { label: REPO, line: 4 } },
        ],
      },
    });
    expect(policy.mcp.servers.docs!.tools.allow?.map((rule) => rule.value)).toEqual(['search']);
    expect(redactPolicy(policy).mcp.servers.github!.env).toEqual({ GH_TOKEN: '<redacted>' });
    const lines = widening(() =>
      effectivePolicy(
        wide,
        repo('mcp:\n  servers:\n    github:\n      command: evil\n      tools: { allow: [get_issue, delete_repo, ".*"] }\n    shell: { command: bash }\n'),
      ),
    );
    expect(lines).toEqual([
      `${REPO} line 4: mcp.servers.github.command may only be set by the host policy: a narrower layer may only narrow a server's tools`,
      `${REPO} line 5: mcp.servers.github.tools.allow[1] "delete_repo" widens the host policy (it allows only get_issue, list_.* of github)`,
      `${REPO} line 5: mcp.servers.github.tools.allow[2] ".*" widens the host policy (it allows only get_issue, list_.* of github)`,
      `${REPO} line 6: mcp.servers.shell is not a server the host policy declares (it declares github, docs)`,
    ]);
  });

  it('requires a command or a url of every server the host declares', () => {
    expect(widening(() => effectivePolicy(host('mcp:\n  servers:\n    x: { tools: { allow: [a] } }\n')))).toEqual([
      `${HOST} line 3: mcp.servers.x needs a command (stdio server) or a url (Streamable HTTP server)`,
    ]);
  });

  it('keeps the smallest budget', () => {
    const policy = effectivePolicy(
      host('budget: { tokens: 1000, cost_usd: 5 }\n'),
      repo('budget: { tokens: 2000, cost_usd: 2 }\n'),
      policyLayerFromObject({ budget: { tokens: 300 } }, ROLE),
    );
    expect(policy.budget).toEqual({ tokens: { value: 300, source: { label: ROLE } }, cost_usd: { value: 2, source: { label: REPO, line: 1 } } });
    expect(effectivePolicy(host(''), repo('budget: { tokens: 10 }\n')).budget.tokens?.value).toBe(10);
  });

  it('checks a role against host and repo together, and collects the problems of every layer', () => {
    const lines = widening(() =>
      effectivePolicy(
        host('egress: { allow: [a.example, b.example] }\n'),
        repo('sandbox: best-effort\negress: { allow: [a.example] }\n'),
        policyLayerFromObject({ egress: { allow: ['b.example'] } }, ROLE),
      ),
    );
    expect(lines).toEqual([
      `${REPO} line 1: sandbox "best-effort" widens the host policy (it requires sandbox: strict)`,
      `${ROLE}: egress.allow[0] "b.example" widens the policy above it (${HOST} + ${REPO}) (it allows only a.example)`,
    ]);
  });
});
