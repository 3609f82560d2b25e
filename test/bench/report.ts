import { writeFile } from 'node:fs/promises';
import type { Machine } from './machine';
import { formatNumber, ratioToPeer, type GroupResult } from './suite';

interface Row {
  benchmark: string;
  metric: string;
  contender: string;
  median: string;
  range: string;
  ratio: string;
}

function rowsOf(result: GroupResult): Row[] {
  const rows: Row[] = [];
  for (const metric of result.group.metrics) {
    for (const contender of result.group.contenders) {
      const summary = result.summaries.get(contender.name)?.get(metric.key);
      const error = result.errors.get(contender.name);
      if (!summary && !error) continue;
      const ratio = ratioToPeer(result, contender.name, metric.key);
      rows.push({
        benchmark: result.group.title,
        metric: `${metric.label} (${metric.unit}, ${metric.better} is better)`,
        contender: contender.name,
        median: summary ? formatNumber(summary.median, metric.digits) : 'failed',
        range: summary
          ? `${formatNumber(summary.min, metric.digits)} – ${formatNumber(summary.max, metric.digits)} (n=${summary.samples.length})`
          : (error ?? ''),
        ratio: ratio === undefined ? '' : `${ratio.toFixed(2)}x`,
      });
    }
  }
  return rows;
}

const COLUMNS: Array<[keyof Row, string]> = [
  ['benchmark', 'benchmark'],
  ['metric', 'metric'],
  ['contender', 'contender'],
  ['median', 'median'],
  ['range', 'min – max'],
  ['ratio', 'vs peer'],
];

export function formatTable(results: GroupResult[]): string {
  const rows = results.flatMap(rowsOf);
  const widths = COLUMNS.map(([key, title]) => Math.min(70, Math.max(title.length, ...rows.map((row) => row[key].length))));
  const line = (cells: string[]): string => cells.map((cell, index) => cell.slice(0, 70).padEnd(widths[index]!)).join('  ');
  const out = [line(COLUMNS.map(([, title]) => title)), line(widths.map((width) => '-'.repeat(width)))];
  for (const row of rows) out.push(line(COLUMNS.map(([key]) => row[key])));
  for (const result of results) {
    if (result.findings.length > 0) out.push('', `${result.group.title}:`, ...result.findings.map((line) => `  ${line}`));
  }
  out.push('', 'targets:');
  for (const result of results) {
    for (const target of result.targets) out.push(`  [${verdict(target.pass)}] ${target.text}: ${target.measured}`);
  }
  return out.join('\n');
}

function verdict(pass: boolean | null | undefined): string {
  return pass === undefined ? 'n/a ' : pass === null ? 'info' : pass ? 'met ' : 'MISS';
}

const escape = (text: string): string => text.replaceAll('|', '\\|');

export function formatMarkdown(machine: Machine, results: GroupResult[], options: { quick: boolean; elapsedS: number; analysis?: string }): string {
  const out: string[] = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (test/bench/run.ts); do not edit by hand — rerun it.',
    'Every figure is the median of interleaved runs (contenders take turns each round, the first slot rotating),',
    'with min and max, and the ratio to its peer measured in the same run on the same sshd.',
    '',
    options.quick ? '**Smoke run (BENCH_QUICK=1): sizes are shrunk; these figures are not the real benchmark.**\n' : '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| date | ${machine.date} |`,
    `| CPU | ${escape(machine.cpu)} |`,
    `| cores | ${machine.cores} |`,
    `| RAM | ${machine.ramGiB} GiB |`,
    `| kernel | ${escape(machine.kernel)} |`,
    `| Node | ${machine.node} |`,
    `| OpenSSH client | ${escape(machine.openssh)} |`,
    `| sshd | ${escape(machine.sshd)} |`,
    `| tmux | ${escape(machine.tmux)} |`,
    `| bench wall time | ${options.elapsedS.toFixed(0)} s |`,
    '',
    '## Targets',
    '',
    '| | target | measured |',
    '|---|---|---|',
    ...results.flatMap((result) =>
      result.targets.map((target) => `| ${verdict(target.pass).trim()} | ${escape(target.text)} | ${escape(target.measured)} |`),
    ),
    '',
    '## Results',
    '',
  ];
  for (const result of results) {
    out.push(`### ${result.group.title}`, '', `Group \`${result.group.id}\` ran in ${result.elapsedS.toFixed(0)} s.`, '');
    if (result.group.peer) out.push(`Peer for ratios: **${result.group.peer}**.`, '');
    out.push('| metric | contender | median | min – max | vs peer |', '|---|---|---|---|---|');
    for (const row of rowsOf(result)) {
      out.push(`| ${escape(row.metric)} | ${escape(row.contender)} | ${row.median} | ${escape(row.range)} | ${row.ratio} |`);
    }
    out.push('');
    if (result.findings.length > 0) out.push(...result.findings, '');
    for (const note of result.group.notes ?? []) out.push(`- ${note}`);
    out.push('');
  }
  if (options.analysis) out.push('## Analysis', '', '_Kept by hand in test/bench/analysis.md (causes, fixes, before/after); the tables above are regenerated on every run._', '', options.analysis.trim(), '');
  return out.filter((line, index, all) => !(line === '' && all[index - 1] === '')).join('\n') + '\n';
}

export async function writeMarkdown(path: string, markdown: string): Promise<void> {
  await writeFile(path, markdown);
}
