import { lstatSync, readFileSync } from 'node:fs';
import { WireError, WireErrorCode } from '../../common/wire/errors';

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/**
 * `<state-dir>/agent.env`: KEY=VALUE lines giving every agent its model access (ANTHROPIC_BASE_URL of an on-prem
 * gateway, ANTHROPIC_API_KEY, …). Passed to agent processes only: never journaled, audited or committed. Refused
 * (fail closed) unless it is a regular file of this user that nobody else can read, as an SSH private key would be.
 */
export function readAgentEnv(file: string): Record<string, string> {
  let stats;
  try {
    stats = lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const uid = process.getuid?.();
  if (!stats.isFile()) throw refuse(file, 'it is not a regular file');
  if (uid !== undefined && stats.uid !== uid) throw refuse(file, `it is owned by uid ${stats.uid}, not this user (${uid})`);
  if ((stats.mode & 0o077) !== 0) throw refuse(file, `its mode is ${(stats.mode & 0o777).toString(8)}; chmod 600 it`);
  return parseAgentEnv(readFileSync(file, 'utf8'), file);
}

export function parseAgentEnv(text: string, file: string): Record<string, string> {
  const env: Record<string, string> = {};
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match) throw refuse(file, `line ${index + 1} is not KEY=VALUE`);
    env[match[1]!] = unquote(match[2]!.trim());
  });
  return env;
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) return value.slice(1, -1);
  return value;
}

function refuse(file: string, problem: string): WireError {
  // The line number, never the line: it may hold a key.
  return new WireError(WireErrorCode.ConfigInvalid, `refusing ${file}: ${problem}`, { file });
}
