import type { Client, ClientChannel } from 'ssh2';
import { FleetError } from '../ssh/errors';

/** Single-quotes for POSIX sh; a leading ~/ becomes "$HOME"/ so it still expands. */
export function shellQuote(value: string): string {
  if (value === '~') return '"$HOME"';
  if (value.startsWith('~/')) return `"$HOME"/${shellQuote(value.slice(2))}`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quotes a word so that sh, bash, fish, csh and tcsh all read it back unchanged. Inside single quotes fish still
 * treats \\ and \' as escapes and csh expands ! (history): those three go outside the quotes, backslash-escaped,
 * which every one of these shells reads as the plain character.
 */
function anyShellQuote(value: string): string {
  const parts = value.split(/(['\\!])/).filter((part) => part !== '');
  return parts.map((part) => (part === "'" || part === '\\' || part === '!' ? `\\${part}` : `'${part}'`)).join('') || "''";
}

/**
 * sshd runs an exec command with the user's login shell, which may be fish or csh: hand that shell nothing but
 * `sh -c '<script>'`, so `script` is always POSIX sh. A newline cannot be quoted the same way in csh and sh, so a
 * script holding one is refused (generated scripts join their commands with `;`).
 */
export function loginShellCommand(script: string): string {
  if (/[\r\n\0]/.test(script)) throw new FleetError('invalid-host', `a remote command cannot hold a newline or NUL: ${JSON.stringify(script)}`);
  return `sh -c ${anyShellQuote(script)}`;
}

/** Opens an exec channel running the POSIX sh `script` (whatever the login shell is). */
export function execChannel(client: Client, script: string): Promise<ClientChannel> {
  const command = loginShellCommand(script);
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (!error) return resolve(channel);
      // ssh2 says "Channel open failure" when sshd refuses the channel itself, typically past its MaxSessions.
      if (/channel open failure/i.test(error.message)) {
        reject(
          new FleetError(
            'channel-refused',
            `the SSH server refused to open another session channel (sshd MaxSessions?): ${error.message.replace(/^\(SSH\) /, '')}`,
          ),
        );
      } else reject(error);
    });
  });
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a POSIX sh script to completion, optionally feeding stdin, and collects its output. */
export async function execCollect(client: Client, script: string, stdin?: Buffer): Promise<ExecResult> {
  const channel = await execChannel(client, script);
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let code: number | null = null;
    channel.on('data', (chunk: Buffer) => stdout.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    channel.on('exit', (exitCode: number | null) => {
      code = exitCode;
    });
    channel.on('close', () =>
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
    if (stdin) channel.end(stdin);
    else channel.end();
  });
}
