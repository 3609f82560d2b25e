// The data the UI bench feeds the renderer: one connected host with a run of a 300-step plan, 500 waiting inbox items of
// every kind, and a checkpoint whose diff changes 5,000 lines in ten languages. Deterministic (a seeded generator), and
// every value passes the AppApi's schemas, since it reaches the page through the real client path.
import type { HostView } from '../../../common/app/hosts';
import type { InboxEntry, InboxShown, RunDetail, RunEntry } from '../../../common/app/runs';
import { planMarkdown } from '../../../common/plan/planMarkdown';
import type { RunRecord } from '../../../common/protocol/runRecord';
import type { InboxDetail, InboxKind, PlanVersionInfo, RunInfo, StepInfo, StepState } from '../../../common/protocol/runs';

export const BENCH_HOST = 'bench';
export const BIG_RUN = 'r-b1600e';
export const BIG_DIFF_ITEM = 'ck-b1gd1ff0';

export interface FleetSizes {
  /** Steps of the big run's plan, in phases of 25. */
  steps: number;
  /** Waiting inbox items, the big diff's checkpoint among them. */
  items: number;
  /** Files of the big diff and changed lines in each. */
  diffFiles: number;
  changedLinesPerFile: number;
}

export const UI_SIZES: FleetSizes = { steps: 300, items: 500, diffFiles: 10, changedLinesPerFile: 500 };

/** A small deterministic generator (mulberry32), so every run sees the same fleet. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (value: number, width = 8) => (value >>> 0).toString(16).padStart(width, '0').slice(-width);
const HASH = 'ab'.repeat(32);
const STARTED = Date.UTC(2026, 11, 1, 8, 0, 0);

/** A plan as stored (constraints filled in), which is what PlanVersionInfo holds. */
type StoredPlan = PlanVersionInfo['plan'];

function bigPlan(steps: number, next: () => number): StoredPlan {
  const perPhase = 25;
  const phases: StoredPlan['phases'] = [];
  for (let start = 0, phase = 0; start < steps; start += perPhase, phase++) {
    const ids = Array.from({ length: Math.min(perPhase, steps - start) }, (_, index) => `p${phase + 1}-s${index + 1}`);
    phases.push({
      id: `phase-${phase + 1}`,
      title: `Phase ${phase + 1}: migrate module group ${phase + 1}`,
      estimate_hours: 4 + (phase % 5),
      steps: ids.map((id, index) => ({
        id,
        title: `Migrate ${['parser', 'router', 'store', 'client', 'worker'][index % 5]} ${phase + 1}.${index + 1}`,
        description: `Port the module to the new API and keep its tests green (${id}).`,
        role: 'implementer',
        // A lattice like real plans: most steps wait on one or two earlier ones of their phase.
        depends_on: index === 0 ? [] : [ids[Math.floor(next() * index)]!, ...(index > 3 && next() < 0.4 ? [ids[index - 1]!] : [])].filter((dep, at, all) => all.indexOf(dep) === at),
        checkpoint: index % 6 === 5,
      })),
    });
  }
  return {
    title: `Migrate ${steps} modules to the v2 API`,
    summary: 'A large migration, one step per module.',
    constraints: [],
    analysis: { touchpoints: ['src/**'], dependencies: [], risks: ['Plugins that import internals'] },
    phases,
    impact: { components: ['all'], breaking_changes: [], testing: ['npm test'] },
    rollback: ['Revert the merges.'],
    questions: [],
  };
}

const STATES: StepState[] = ['done', 'done', 'done', 'running', 'checkpoint', 'waiting', 'ready', 'pending', 'pending', 'pending'];

function runOf(plan: StoredPlan, next: () => number): RunInfo {
  const steps: StepInfo[] = plan.phases.flatMap((phase, phaseIndex) =>
    phase.steps.map((step): StepInfo => {
      const state = phaseIndex < 4 ? 'done' : phaseIndex > 8 ? 'pending' : STATES[Math.floor(next() * STATES.length)]!;
      return {
        id: step.id,
        phase: phase.id,
        title: step.title,
        role: step.role,
        dependsOn: step.depends_on,
        checkpoint: step.checkpoint,
        state,
        agent: state === 'pending' || state === 'ready' ? null : `${BIG_RUN}-${step.id}`,
        branch: null,
      };
    }),
  );
  return {
    id: BIG_RUN,
    runbook: { name: 'migrate-api', version: '3', hash: HASH, source: 'built-in', file: 'runbooks/migrate-api.md' },
    repo: 'app',
    params: { target: 'v2' },
    state: 'running',
    reason: null,
    baseCommit: 'c0ffee'.repeat(6) + 'c0ff',
    integrationBranch: `flightdeck-run/${BIG_RUN}`,
    planner: `${BIG_RUN}-planner`,
    planVersion: 1,
    approvedVersion: 1,
    steps,
    pullRequest: null,
    startedBy: 'lead',
    createdAt: STARTED,
    updatedAt: STARTED + 3600_000,
  };
}

/** Lines of code in a language's shape, so the highlighter does a realistic amount of work per line. */
const CODE: Record<string, (n: number) => string> = {
  'src/api/client.ts': (n) => `export async function fetchItem${n}(id: string): Promise<Item | null> { return cache.get(\`item-\${id}\`) ?? null; } // ${n}`,
  'src/ui/ItemList.tsx': (n) => `      <Row key="${n}" label={\`Item ${n}\`} selected={cursor === ${n}} onClick={() => open(${n})} />`,
  'tools/report.py': (n) => `    total_${n} = sum(row["value"] for row in rows if row.get("kind") == "k${n}")  # bucket ${n}`,
  'cmd/server/main.go': (n) => `	if err := handler${n}(ctx, fmt.Sprintf("route-%d", ${n})); err != nil { return fmt.Errorf("route ${n}: %w", err) }`,
  'crates/core/src/lib.rs': (n) => `    pub fn step_${n}(&mut self, input: &[u8]) -> Result<usize, Error> { Ok(input.len() + ${n}) }`,
  'service/src/main/java/App.java': (n) => `        final Map<String, Integer> counts${n} = new HashMap<>(); counts${n}.put("k${n}", ${n});`,
  'config/settings.json': (n) => `  "feature_${n}": { "enabled": ${n % 2 === 0}, "limit": ${n * 3}, "label": "Feature ${n}" },`,
  'web/styles/theme.css': (n) => `.item-${n} { color: #${hex(n * 2654435761, 6)}; margin: ${n % 16}px 0 0; transition: opacity 0.${n % 9}s; }`,
  '.ci/pipeline.yaml': (n) => `  - { name: shard-${n}, run: "npm test -- --shard=${n}/500", timeout: ${n % 30} }  # group ${n}`,
  'docs/MIGRATION.md': (n) => `- Module **${n}** moved to \`v2/${n}\`; see [notes ${n}](https://example.com/notes/${n}).`,
};

/** A unified diff changing `changed` lines in each file: hunks of ten removed and ten added lines amid context. */
export function bigDiff(files: number, changed: number): { diff: string; files: { path: string; additions: number; deletions: number }[] } {
  const paths = Object.keys(CODE).slice(0, files);
  const out: string[] = [];
  for (const path of paths) {
    const line = CODE[path]!;
    out.push(`diff --git a/${path} b/${path}`, `index 1a2b3c4..5d6e7f8 100644`, `--- a/${path}`, `+++ b/${path}`);
    const perHunk = 10;
    let oldLine = 1;
    for (let hunk = 0; hunk < changed / (2 * perHunk); hunk++) {
      const base = hunk * 100;
      const body = [
        ...[0, 1, 2].map((k) => ` ${line(base + k)}`),
        ...Array.from({ length: perHunk }, (_, k) => `-${line(base + 10 + k)}`),
        ...Array.from({ length: perHunk }, (_, k) => `+${line(base + 50 + k)}`),
        ...[0, 1, 2].map((k) => ` ${line(base + 30 + k)}`),
      ];
      const oldCount = body.filter((text) => text[0] !== '+').length;
      const newCount = body.filter((text) => text[0] !== '-').length;
      out.push(`@@ -${oldLine},${oldCount} +${oldLine},${newCount} @@`, ...body);
      oldLine += oldCount + 40;
    }
  }
  const counted = paths.map((path) => {
    const section = out.slice(out.indexOf(`diff --git a/${path} b/${path}`));
    const end = section.findIndex((text, index) => index > 0 && text.startsWith('diff --git'));
    const lines = end < 0 ? section : section.slice(0, end);
    return { path, additions: lines.filter((text) => text.startsWith('+') && !text.startsWith('+++')).length, deletions: lines.filter((text) => text.startsWith('-') && !text.startsWith('---')).length };
  });
  return { diff: `${out.join('\n')}\n`, files: counted };
}

/** The pull request a review item's summary names. */
const prNumber = (item: InboxEntry) => Number(/#(\d+)$/.exec(item.summary)?.[1] ?? 1);

const KINDS: InboxKind[] = ['checkpoint', 'checkpoint', 'checkpoint', 'question', 'question', 'escalation', 'approval', 'plan', 'learnings', 'review'];

function itemOf(index: number, kind: InboxKind): InboxEntry {
  const tag = hex(index * 2654435761);
  const run = `r-${hex(index, 6)}`;
  const common = { run, step: `s${index % 40}`, agent: `${run}-s${index % 40}`, since: STARTED + index * 60_000, host: BENCH_HOST };
  switch (kind) {
    case 'checkpoint':
      return { ...common, id: index === 0 ? BIG_DIFF_ITEM : `ck-${tag}`, kind, summary: index === 0 ? 'Migrated every module group: 5,000 changed lines' : `Step s${index % 40} done: module ${index} ported` };
    case 'question':
      return { ...common, id: `q-${tag}`, kind, summary: `Which config key should module ${index} read?`, options: ['legacy', 'v2', 'both'] };
    case 'escalation':
      return { ...common, id: `es-${tag}`, kind, summary: `Tests of module ${index} fail on main too`, options: ['Skip the flaky test', 'Fix main first', 'Stop the step'] };
    case 'approval':
      return { ...common, id: `ap-${tag}`, kind, summary: `git push origin HEAD:refs/heads/topic-${index}` };
    case 'plan':
      return { ...common, step: null, agent: `${run}-planner`, id: `pl-${run}-1`, kind, summary: `Plan: port module group ${index}` };
    case 'learnings':
      return { ...common, step: null, agent: `${run}-retro`, id: `ln-${run}-1`, kind, summary: '2 learnings proposed for migrate-api' };
    case 'review':
      return { ...common, step: null, id: `rv-${run}-1`, kind, summary: `3 review comments on PR #${index + 1}` };
  }
}

export interface SyntheticFleet {
  host: HostView;
  runs: RunEntry[];
  detail: RunDetail;
  record: RunRecord;
  items: InboxEntry[];
  show(item: string): InboxShown | undefined;
}

export function syntheticFleet(sizes: FleetSizes = UI_SIZES): SyntheticFleet {
  const next = random(14);
  const plan = bigPlan(sizes.steps, next);
  const run = runOf(plan, next);
  const version: PlanVersionInfo = { version: 1, plan, hash: HASH, author: `agent:${run.planner}`, note: null, status: 'approved', decidedBy: 'lead', feedback: null, createdAt: STARTED };
  const items = Array.from({ length: sizes.items }, (_, index) => itemOf(index, index === 0 ? 'checkpoint' : KINDS[Math.floor(next() * KINDS.length)]!));
  const byId = new Map(items.map((item) => [item.id, item]));
  const big = bigDiff(sizes.diffFiles, sizes.changedLinesPerFile);
  const small = bigDiff(1, 20);

  function detailOf(item: InboxEntry): InboxDetail {
    switch (item.kind) {
      case 'checkpoint': {
        const diff = item.id === BIG_DIFF_ITEM ? big : small;
        return { kind: 'question', request: 'checkpoint', input: { summary: item.summary, tests_run: ['npm test'], files: diff.files, diff: diff.diff, base: 'a'.repeat(40), head: 'b'.repeat(40) } };
      }
      case 'question':
        return { kind: 'question', request: 'ask_human', input: { question: item.summary, context: 'The module reads both keys today.', options: item.options } };
      case 'escalation':
        return { kind: 'question', request: 'escalate', input: { problem: item.summary, context: 'npm test fails in src/flaky.test.ts on main.', suggested_resolutions: item.options } };
      case 'approval':
        return {
          kind: 'approval',
          approval: { id: item.id, agent: item.agent!, tool: 'run_command', command: item.summary, rule: 'commands.ask "git push *"', source: 'host policy.yaml:12', status: 'pending', requestedAt: item.since, expiresAt: item.since + 3600_000, decidedBy: null, decidedAt: null, reason: null },
        };
      case 'plan': {
        const small: StoredPlan = { ...plan, title: item.summary, phases: plan.phases.slice(0, 1).map((phase) => ({ ...phase, steps: phase.steps.slice(0, 6).map((step) => ({ ...step, depends_on: step.depends_on.filter((dep) => /-s[1-5]$/.test(dep)) })) })) };
        const pending: PlanVersionInfo = { ...version, plan: small, status: 'pending', decidedBy: null };
        return { kind: 'plan', run: { ...run, id: item.run!, state: 'awaiting-approval', approvedVersion: null, steps: [] }, version: pending, markdown: planMarkdown(small), previous: null };
      }
      case 'learnings':
        return {
          kind: 'learnings',
          run: item.run!,
          round: 1,
          proposals: [
            { text: 'Run the linter before calling checkpoint.', applies_to: 'runbook', evidence: 'A checkpoint was rejected: the linter failed.' },
            { text: 'The config loader lives in src/config; keep keys flat.', applies_to: 'repo' },
          ],
          markdown: '- [runbook] Run the linter before calling checkpoint.\n  <!-- evidence: A checkpoint was rejected: the linter failed. -->\n- [repo] The config loader lives in src/config; keep keys flat.\n',
        };
      case 'review':
        return {
          kind: 'review',
          run: item.run!,
          round: 1,
          pullRequest: { url: `https://forge.example/team/app/pull/${prNumber(item)}`, number: prNumber(item), branch: `flightdeck-run/${item.run}`, pushedCommit: 'c'.repeat(40), state: 'open', note: null },
          comments: ['src/api/client.ts', 'src/ui/ItemList.tsx', null].map((path, index) => ({
            id: `review-comment:${index + 1}`,
            kind: path ? ('review-comment' as const) : ('comment' as const),
            author: ['ana', 'bo', 'cy'][index]!,
            body: path ? `Please keep \`fetchItem\` **pure**: no cache writes here (${path}).` : 'Looks good otherwise, thanks!',
            path,
            line: path ? 40 + index : null,
            url: `https://forge.example/team/app/pull/${prNumber(item)}#discussion_r${index + 1}`,
            createdAt: new Date(item.since).toISOString(),
            replyUrl: null,
          })),
        };
    }
  }

  return {
    host: { name: BENCH_HOST, kind: 'ssh', target: 'bench', state: 'connected', error: null, retryAt: null, attempt: 0, hostVersion: '0.1.0', latencyMs: 1, auditAlarm: null, sessions: [] },
    runs: [{ host: BENCH_HOST, run, stale: null }],
    detail: { host: BENCH_HOST, run, plans: [version], prompts: [], stale: null },
    record: { run, repoUrl: 'https://forge.example/team/app.git', runbookText: '', plans: [version], prompts: [], steps: [], items: [], agents: [], learnings: [] },
    items,
    show(id) {
      const item = byId.get(id);
      if (!item) return undefined;
      const { host: _host, ...inboxItem } = item;
      return { host: BENCH_HOST, item: inboxItem, detail: detailOf(item), approvals: null };
    },
  };
}
