// Child processes for the egress benchmark, each a fresh Node process so that no two ends of a connection share an
// event loop:
//   origin [BPS] a TCP server on 127.0.0.1 standing for a remote server: per connection a 9-byte header (U|D, u64
//                size); U: it reads `size` bytes and answers one byte; D: it sends `size` bytes. Prints {"port":N}.
//                With BPS it reads and sends no faster than BPS bytes per second, as if behind a link of that speed.
//   client JOB   the agent: uploads then downloads (a warm-up transfer each, then the measured one), either straight
//                to the origin or through a proxy with `CONNECT` (the forwarder's HTTP proxy port, as HTTPS_PROXY
//                makes curl/git/pip do, or the agent's egress Unix socket itself). Prints one JSON line of figures.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';

export interface EgressClientJob {
  /** `direct`: TCP to the origin; `proxy-port`: CONNECT through TCP 127.0.0.1:proxyPort; `proxy-socket`: CONNECT through the Unix socket. */
  via: 'direct' | 'proxy-port' | 'proxy-socket';
  originPort: number;
  proxyPort?: number;
  proxySocket?: string;
  bytes: number;
  warmupBytes: number;
}

export interface EgressClientResult {
  /** MiB/s agent → origin, from the first byte written to the origin's acknowledgement of the last. */
  uploadMiBps: number;
  /** MiB/s origin → agent, from the request to the last byte received. */
  downloadMiBps: number;
  /** Via `proxy-port`: CPU seconds (user + system) the forwarder, this client's parent, spent relaying this client's transfers. */
  forwarderCpuS?: number;
}

const CHUNK = 64 * 1024;
const MiB = 1024 * 1024;

function header(mode: 'U' | 'D', size: number): Buffer {
  const head = Buffer.alloc(9);
  head.write(mode, 0, 'latin1');
  head.writeBigUInt64BE(BigInt(size), 1);
  return head;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes `size` bytes from one reused buffer, waiting for 'drain' whenever the socket says so; with `rate` (bytes/s),
 * never more than the link would have carried by now.
 */
async function send(socket: Socket, size: number, chunk: Buffer, rate = 0): Promise<void> {
  const started = performance.now();
  let sent = 0;
  while (sent < size) {
    if (rate > 0) {
      const due = started + (sent / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    const part = size - sent >= chunk.length ? chunk : chunk.subarray(0, size - sent);
    sent += part.length;
    if (!socket.write(part)) await once(socket, 'drain');
  }
}

function runOrigin(rate: number): void {
  const chunk = Buffer.alloc(CHUNK, 0x5a);
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    let head = Buffer.alloc(0);
    let mode: 'U' | 'D' | undefined;
    let left = 0;
    let received = 0;
    let started = 0;
    const onData = (data: Buffer): void => {
      if (mode === undefined) {
        head = Buffer.concat([head, data]);
        if (head.length < 9) return;
        mode = head.toString('latin1', 0, 1) as 'U' | 'D';
        left = Number(head.readBigUInt64BE(1));
        data = head.subarray(9);
        if (mode === 'D') {
          socket.off('data', onData);
          send(socket, left, chunk, rate).then(
            () => socket.end(),
            () => socket.destroy(),
          );
          return;
        }
        started = performance.now();
      }
      left -= data.length;
      received += data.length;
      if (left <= 0) {
        socket.off('data', onData);
        socket.end('K');
        return;
      }
      if (rate > 0) {
        // Read no faster than the link: TCP's window (and every hop's backpressure) slows the sender down.
        const wait = started + (received / rate) * 1000 - performance.now();
        if (wait > 1) {
          socket.pause();
          setTimeout(() => socket.resume(), wait);
        }
      }
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
  });
  // The parent ends the origin by closing its stdin (or killing it by pid).
  process.stdin.resume();
  process.stdin.once('end', () => process.exit(0));
}

/** A connection to the origin, through the proxy when asked; resolves once bytes can flow (after the proxy's 200). */
async function open(job: EgressClientJob): Promise<Socket> {
  if (job.via === 'direct') {
    const socket = connect({ host: '127.0.0.1', port: job.originPort, noDelay: true });
    await once(socket, 'connect');
    return socket;
  }
  const socket =
    job.via === 'proxy-port' ? connect({ host: '127.0.0.1', port: job.proxyPort!, noDelay: true }) : connect({ path: job.proxySocket! });
  await once(socket, 'connect');
  const authority = `127.0.0.1:${job.originPort}`;
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  let answer = Buffer.alloc(0);
  for (;;) {
    const [data] = (await once(socket, 'data')) as [Buffer];
    answer = Buffer.concat([answer, data]);
    const end = answer.indexOf('\r\n\r\n');
    if (end === -1) continue;
    const status = answer.toString('latin1', 0, answer.indexOf('\r\n'));
    if (!/^HTTP\/1\.1 200 /.test(status)) throw new Error(`the proxy answered ${status}: ${answer.toString('utf8', end + 4)}`);
    if (answer.length > end + 4) throw new Error('the origin spoke before it was asked');
    socket.pause();
    return socket;
  }
}

async function upload(job: EgressClientJob, size: number, chunk: Buffer): Promise<number> {
  const socket = await open(job);
  try {
    const acked = new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed before the origin acknowledged the upload')));
    });
    socket.resume();
    const started = process.hrtime.bigint();
    socket.write(header('U', size));
    await send(socket, size, chunk);
    await acked;
    return size / MiB / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    socket.destroy();
  }
}

async function download(job: EgressClientJob, size: number): Promise<number> {
  const socket = await open(job);
  try {
    let received = 0;
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (data: Buffer) => (received += data.length));
      socket.once('end', () => resolve());
      socket.once('error', reject);
    });
    const started = process.hrtime.bigint();
    socket.write(header('D', size));
    socket.resume();
    await done;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (received !== size) throw new Error(`downloaded ${received} bytes of ${size}`);
    return size / MiB / seconds;
  } finally {
    socket.destroy();
  }
}

async function runClient(job: EgressClientJob): Promise<EgressClientResult> {
  const chunk = Buffer.alloc(CHUNK, 0xa5);
  const forwarderCpuBefore = job.via === 'proxy-port' ? parentCpuSeconds() : 0;
  await upload(job, job.warmupBytes, chunk);
  const uploadMiBps = await upload(job, job.bytes, chunk);
  await download(job, job.warmupBytes);
  const downloadMiBps = await download(job, job.bytes);
  return { uploadMiBps, downloadMiBps, ...(job.via === 'proxy-port' ? { forwarderCpuS: parentCpuSeconds() - forwarderCpuBefore } : {}) };
}

/** The parent's user + system CPU time, read from /proc while it still runs (it exits after this client). */
function parentCpuSeconds(): number {
  const parent = process.ppid;
  const command = readFileSync(`/proc/${parent}/cmdline`, 'utf8');
  if (!command.includes('sandbox-exec')) throw new Error(`the parent (pid ${parent}) is not the forwarder: ${command.replaceAll('\0', ' ')}`);
  // Fields after the command name in parentheses (which may hold spaces); utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${parent}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

const [role, jobText] = process.argv.slice(2);
if (role === 'origin') {
  runOrigin(Number(jobText ?? 0));
} else if (role === 'client' && jobText) {
  runClient(JSON.parse(jobText) as EgressClientJob).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`egress client: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
} else {
  process.stderr.write('usage: egress-peer.ts origin [BYTES-PER-SECOND] | client JOB-JSON\n');
  process.exit(2);
}
