// `npm run bench`: runs the TypeScript benchmark (test/bench/run.ts) under tsx. BENCH_QUICK=1 for a smoke run,
// BENCH_ONLY=throughput,echo,attach,scale,audit,governance to run some groups (governance: all governance.* groups), BENCH_OUTPUT=path to write the report elsewhere,
// BENCH_NODELAY=1 to set TCP_NODELAY on the bench's own ssh2 connections (the raw peers and inspector lanes; an experiment knob).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'test/bench/run.ts'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
