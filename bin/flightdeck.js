#!/usr/bin/env node
// The `flightdeck` CLI: runs the bundle in out/cli, building it first when this is a fresh checkout.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const bundle = join(root, 'out', 'cli', 'flightdeck.mjs');
if (!existsSync(bundle)) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
await import(pathToFileURL(bundle).href);
