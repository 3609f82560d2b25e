#!/usr/bin/env node
// The `agent-host` command: runs the bundled daemon CLI, building the bundle first when it is missing
// (a source checkout). Installed packs ship the bundle, so the build step never runs there.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'out/agent-host/agent-host.mjs');
const buildScript = join(root, 'scripts/build-agent-host.mjs');

if (!existsSync(bundle)) {
  if (!existsSync(buildScript)) {
    console.error(`agent-host: ${bundle} is missing and there is no ${buildScript} to build it; reinstall agent-host.`);
    process.exit(1);
  }
  try {
    execFileSync(process.execPath, [buildScript], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    console.error(`agent-host: building ${bundle} failed (node ${buildScript}); see the errors above.`);
    process.exit(1);
  }
}

await import(pathToFileURL(bundle).href);
