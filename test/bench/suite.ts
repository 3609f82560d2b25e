import { summarize, type Summary } from './stats';

export interface Metric {
  key: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  digits?: number;
}

/** One way of doing the thing being measured (Flightdeck, ssh -tt, ssh2, tmux); one run yields one value per metric. */
export interface Contender {
  name: string;
  run(round: number): Promise<Record<string, number>>;
}

export interface Target {
  metric: string;
  text: string;
  /** Given each contender's median for `metric`; undefined when it could not be measured. `pass: null`: a figure reported without a bound. */
  check(median: (contender: string) => number | undefined): { measured: string; pass: boolean | null } | undefined;
}

export interface Group {
  id: string;
  title: string;
  metrics: Metric[];
  contenders: Contender[];
  /** Ratios in the table are to this contender's median, measured in the same run. */
  peer?: string;
  rounds: number;
  /** No new round starts once this much time went by (at least one round always runs): keeps `npm run bench` bounded on a slow or busy machine. */
  budgetMs?: number;
  targets?: Target[];
  notes?: string[];
  /** Text computed from the run (e.g. slopes and extrapolations), printed after the group's table. */
  findings?(result: GroupResult): string[];
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

export interface TargetResult {
  text: string;
  measured: string;
  /** null: reported, no bound; undefined: not measured. */
  pass: boolean | null | undefined;
}

export interface GroupResult {
  group: Group;
  summaries: Map<string, Map<string, Summary>>;
  errors: Map<string, string>;
  targets: TargetResult[];
  findings: string[];
  /** Wall time of the group, setup and teardown included. */
  elapsedS: number;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

/**
 * Runs every contender once per round, rotating who goes first so no one always gets the warm (or cold) slot.
 * A contender that fails is reported and dropped; the others still run.
 */
export async function runGroup(group: Group, log: (line: string) => void): Promise<GroupResult> {
  const samples = new Map<string, Map<string, number[]>>();
  const errors = new Map<string, string>();
  const begun = Date.now();
  try {
    await group.setup?.();
    const started = Date.now();
    for (let round = 0; round < group.rounds; round++) {
      if (round > 0 && group.budgetMs !== undefined && Date.now() - started > group.budgetMs) {
        log(`  ${group.id}: time budget of ${group.budgetMs / 1000} s spent, stopping after ${round} round(s)`);
        break;
      }
      const order = group.contenders.map((_, index) => group.contenders[(index + round) % group.contenders.length]!);
      for (const contender of order) {
        if (errors.has(contender.name)) continue;
        try {
          const values = await contender.run(round);
          const perMetric = samples.get(contender.name) ?? new Map<string, number[]>();
          for (const [key, value] of Object.entries(values)) {
            perMetric.set(key, [...(perMetric.get(key) ?? []), value]);
          }
          samples.set(contender.name, perMetric);
          log(`  ${group.id} round ${round + 1}/${group.rounds} ${contender.name}: ${formatValues(group, values)}`);
        } catch (error) {
          errors.set(contender.name, describeError(error));
          log(`  ${group.id} ${contender.name} FAILED: ${describeError(error)}`);
        }
      }
    }
  } catch (error) {
    for (const contender of group.contenders) if (!errors.has(contender.name)) errors.set(contender.name, `setup failed: ${describeError(error)}`);
    log(`  ${group.id} setup FAILED: ${describeError(error)}`);
  } finally {
    try {
      await group.teardown?.();
    } catch (error) {
      log(`  ${group.id} teardown failed: ${describeError(error)}`);
    }
  }
  const summaries = new Map<string, Map<string, Summary>>();
  for (const [name, perMetric] of samples) {
    summaries.set(name, new Map([...perMetric].map(([key, values]) => [key, summarize(values)])));
  }
  const targets = (group.targets ?? []).map((target): TargetResult => {
    const result = target.check((contender) => summaries.get(contender)?.get(target.metric)?.median);
    return result ? { text: target.text, ...result } : { text: target.text, measured: 'not measured', pass: undefined };
  });
  const result: GroupResult = { group, summaries, errors, targets, findings: [], elapsedS: 0 };
  try {
    result.findings = group.findings?.(result) ?? [];
  } catch (error) {
    result.findings = [`findings could not be computed: ${describeError(error)}`];
  }
  result.elapsedS = (Date.now() - begun) / 1000;
  log(`  ${group.id}: ${result.elapsedS.toFixed(0)} s`);
  return result;
}

export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toFixed(Math.abs(value) >= 1000 ? 0 : digits);
}

function formatValues(group: Group, values: Record<string, number>): string {
  return group.metrics
    .filter((metric) => metric.key in values)
    .map((metric) => `${metric.label} ${formatNumber(values[metric.key]!, metric.digits)} ${metric.unit}`)
    .join(', ');
}

/** Ratio of a contender's median to the peer's, for the table. */
export function ratioToPeer(result: GroupResult, contender: string, metric: string): number | undefined {
  const peer = result.group.peer;
  if (!peer || peer === contender) return undefined;
  const mine = result.summaries.get(contender)?.get(metric)?.median;
  const theirs = result.summaries.get(peer)?.get(metric)?.median;
  if (mine === undefined || theirs === undefined || theirs === 0) return undefined;
  return mine / theirs;
}
