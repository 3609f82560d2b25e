import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Integration and e2e tests run the real bundles (agent-host on "the VM", the CLI), so build them once first. */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  for (const script of ['scripts/build-agent-host.mjs', 'scripts/build-cli.mjs']) {
    if (existsSync(join(root, script))) {
      execFileSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
    }
  }
}
