import { z } from 'zod';
import { AgentKind, ProfileName, type ProfileInfo } from '../../common/protocol/agents';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { Governance, Profile } from './launchSpec';
import { readYamlConfig } from './yamlConfig';

const DEFAULT_MODEL = 'claude-sonnet-4-5';
const DEFAULT_LIMITS = { maxTurns: 200, maxTokens: 16_000, contextTokens: 150_000 };
const ALL_MECHANISMS: Governance = { hooks: true, mcp: true };

const BUILTIN_PROFILES: Profile[] = [
  {
    name: 'builtin',
    kind: 'builtin',
    description: "Flightdeck's own agent (@anthropic-ai/sdk); every tool call decided and audited by the host",
    model: DEFAULT_MODEL,
  },
  { name: 'claude-code', kind: 'claude-code', description: 'Claude Code, interactive, its hooks asking the host', model: null },
  { name: 'codex', kind: 'codex', description: 'Codex, interactive, in its workspace-write sandbox, only the host MCP endpoint', model: null },
  {
    name: 'command',
    kind: 'command',
    description: 'Any other CLI agent (a profile names the command); no tool hooks',
    model: null,
  },
].map((partial) => ({
  source: 'builtin',
  command: null,
  args: [],
  env: {},
  ...DEFAULT_LIMITS,
  governance: partial.kind === 'command' ? { hooks: false, mcp: false } : ALL_MECHANISMS,
  denyTools: [],
  ...(partial as Pick<Profile, 'name' | 'kind' | 'description' | 'model'>),
}));

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and _');

const ProfileEntry = z
  .object({
    kind: AgentKind,
    description: z.string().max(512).optional(),
    command: z.string().min(1).max(4096).optional(),
    args: z.array(z.string().max(65536)).max(256).default([]),
    env: z.record(EnvName, z.string().max(65536)).default({}),
    model: z.string().min(1).max(256).optional(),
    max_turns: z.number().int().positive().max(100_000).optional(),
    max_tokens: z.number().int().positive().max(1_000_000).optional(),
    context_tokens: z.number().int().positive().max(10_000_000).optional(),
    governance: z.object({ hooks: z.boolean().optional(), mcp: z.boolean().optional() }).strict().optional(),
    deny_tools: z.array(z.string().min(1).max(256).refine(compiles, 'not a valid regular expression')).max(256).default([]),
  })
  .strict()
  .refine((entry) => entry.kind !== 'command' || entry.command !== undefined, {
    message: 'a command profile needs command',
    path: ['command'],
  });

const ProfilesFile = z.object({ profiles: z.record(ProfileName, ProfileEntry) }).strict();

/**
 * The profiles agents start from: the four built in, then the team's own from `<state-dir>/profiles.yaml`, read at
 * each start so an edit applies to the next agent. A file that does not parse is an error naming the file and the
 * field — never silently ignored, so nobody runs an agent with settings they did not write.
 */
export class Profiles {
  constructor(private readonly file: string) {}

  list(): Profile[] {
    const own = this.readFile();
    const builtin = BUILTIN_PROFILES.filter((profile) => !own.some((mine) => mine.name === profile.name));
    return [...builtin, ...own];
  }

  get(name: string): Profile {
    const profile = this.list().find((candidate) => candidate.name === name);
    if (!profile) {
      const known = this.list().map((candidate) => candidate.name).join(', ');
      throw new WireError(WireErrorCode.ProfileNotFound, `no profile "${name}" (known: ${known})`, { profile: name });
    }
    return profile;
  }

  infos(): ProfileInfo[] {
    return this.list().map(({ name, kind, source, model, description }) => ({ name, kind, source, model, description }));
  }

  private readFile(): Profile[] {
    const { profiles } = readYamlConfig(this.file, ProfilesFile, 'profiles file', { profiles: {} });
    return Object.entries(profiles).map(([name, entry]) => {
      const base = BUILTIN_PROFILES.find((profile) => profile.kind === entry.kind)!;
      return {
        name,
        kind: entry.kind,
        source: this.file,
        description: entry.description ?? null,
        command: entry.command ?? null,
        args: entry.args,
        env: entry.env,
        model: entry.model ?? base.model,
        maxTurns: entry.max_turns ?? base.maxTurns,
        maxTokens: entry.max_tokens ?? base.maxTokens,
        contextTokens: entry.context_tokens ?? base.contextTokens,
        governance: { ...base.governance, ...entry.governance },
        denyTools: entry.deny_tools,
      };
    });
  }
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
