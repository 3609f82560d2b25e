import type { Client, ClientChannel } from 'ssh2';

/** Single-quotes for POSIX sh; a leading ~/ becomes "$HOME"/ so it still expands. */
export function shellQuote(value: string): string {
  if (value === '~') return '"$HOME"';
  if (value.startsWith('~/')) return `"$HOME"/${shellQuote(value.slice(2))}`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function execChannel(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel)));
  });
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, optionally feeding stdin, and collects its output. */
export async function execCollect(client: Client, command: string, stdin?: Buffer): Promise<ExecResult> {
  const channel = await execChannel(client, command);
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
