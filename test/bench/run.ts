// `npm run bench`: every benchmark side by side with its peer on one real sshd, printed and written to docs/BENCHMARKS.md.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd } from '../harness/sshd';
import { FULL_SIZES, QUICK_SIZES, type BenchContext } from './context';
import { attachGroup } from './groups/attach';
import { auditGroup } from './groups/audit';
import { echoGroup } from './groups/echo';
import { governanceGroups } from './groups/governance';
import { scaleGroup } from './groups/scale';
import { scaleCurveGroup } from './groups/scaleCurve';
import { throughputGroup } from './groups/throughput';
import { uiGroup } from './groups/ui';
import { buildBenchBundle } from './flightdeck/host';
import { describeMachine } from './machine';
import { formatMarkdown, formatTable, writeMarkdown } from './report';
import { stopStrays } from './strays';
import { runGroup, type Group, type GroupResult } from './suite';

const ROOT = join(import.meta.dirname, '..', '..');

async function main(): Promise<void> {
  const started = Date.now();
  const quick = process.env.BENCH_QUICK === '1';
  const only = process.env.BENCH_ONLY?.split(',');
  const log = (line: string): void => console.log(line);
  const machine = describeMachine();
  log(`bench: ${quick ? 'QUICK smoke run' : 'full run'} on ${machine.cpu}, ${machine.cores} cores, ${machine.node}`);
  await buildBenchBundle();
  const dir = await mkdtemp(join(tmpdir(), 'flightdeck-bench-'));
  // Bash sources ~/.bashrc for an exec channel when SHLVL is unset (SSH_CLIENT set): here that is ~1.9 s of pyenv
  // per channel, never in a timed figure but ~150 channels of bench wall time (the hosts curve opens 3 per host).
  const sshd = await startSshd({ extraConfig: ['SetEnv SHLVL=1'] });
  const context: BenchContext = { sshd, dir, sizes: quick ? QUICK_SIZES : FULL_SIZES, quick, log };
  const results: GroupResult[] = [];
  try {
    const groups: Group[] = [
      throughputGroup(context),
      echoGroup(context),
      attachGroup(context),
      scaleGroup(context),
      scaleCurveGroup(context),
      auditGroup(context),
      ...governanceGroups(context),
      uiGroup(context),
    ];
    for (const group of groups) {
      // A dotted id (governance.egress) is also selected by its family (BENCH_ONLY=governance).
      if (only && !only.includes(group.id) && !only.includes(group.id.split('.')[0]!)) continue;
      log(`${group.title}`);
      results.push(await runGroup(group, log));
    }
  } finally {
    await sshd.stop();
    await stopStrays(dir, log);
    await rm(dir, { recursive: true, force: true });
  }
  const elapsedS = (Date.now() - started) / 1000;
  console.log(`\n${formatTable(results)}\n`);
  const output = process.env.BENCH_OUTPUT ?? join(ROOT, 'docs', 'BENCHMARKS.md');
  const analysisPath = join(import.meta.dirname, 'analysis.md');
  const analysis = existsSync(analysisPath) ? await readFile(analysisPath, 'utf8') : undefined;
  await writeMarkdown(output, formatMarkdown(machine, results, { quick, elapsedS, analysis }));
  console.log(`bench: wrote ${output} in ${elapsedS.toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
