import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Both answer each line `SEQ TTY` with the terminal's modes (at least `echo`/`-echo` and `icanon`/`-icanon`) and
// then a line `ok SEQ`, or only `fail SEQ` when the terminal cannot be read.
const HELPERS = {
  // No process per question: tcgetattr itself (perl-base is essential on Debian and Ubuntu).
  perl: [
    'perl',
    '-MPOSIX',
    '-e',
    'open(STDIN, "<", $ARGV[0]) or die; open(STDOUT, ">", $ARGV[1]) or die; $| = 1; my $t = POSIX::Termios->new;' +
      'while (my $line = <STDIN>) { chomp $line; my ($seq, $tty) = split / /, $line, 2;' +
      ' my $fh; if (sysopen($fh, $tty, O_RDONLY | O_NONBLOCK | O_NOCTTY) && defined $t->getattr(fileno($fh))) {' +
      ' my $l = $t->getlflag; print(($l & ECHO ? "" : "-") . "echo " . ($l & ICANON ? "" : "-") . "icanon\\nok $seq\\n") }' +
      ' else { print "fail $seq\\n" } }',
  ],
  // Anywhere: one `stty` per question, forked by this small shell rather than by the daemon.
  sh: [
    '/bin/sh',
    '-c',
    'exec <"$1" >"$2"; while IFS=" " read -r seq tty; do ' +
      'if stty -F "$tty" 2>/dev/null; then echo "ok $seq"; else echo "fail $seq"; fi; done',
    'agent-host-stty',
  ],
} as const;

export type HelperKind = keyof typeof HELPERS;
const POLL_MS = 0.05;

/**
 * Reads terminal modes synchronously without forking the daemon for each question. Node has no tcgetattr, and
 * spawning `stty` from the daemon costs a fork of the whole daemon: 2 ms at 50 MB RSS, 19 ms at 170 MB. So one
 * small `sh` lives beside the daemon and runs `stty` for it (about 1.5 ms whatever the daemon's size); the
 * daemon asks through a pair of FIFOs and waits for the answer on its own thread, with a deadline.
 */
export class SttyHelper {
  private seq = 0;
  private pending = '';
  private dead = false;
  private closed = false;
  private readonly buffer = Buffer.alloc(16 * 1024);
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  private constructor(
    private dir: string | undefined,
    private readonly requests: number,
    private readonly answers: number,
    private readonly child: ChildProcess,
  ) {
    child.once('exit', () => (this.dead = true));
    child.once('error', () => (this.dead = true));
  }

  static start(kind: HelperKind): SttyHelper {
    // A private (0700) directory: nobody else can open the FIFOs.
    const dir = mkdtempSync(join(tmpdir(), 'agent-host-stty-'));
    try {
      const [requestPath, answerPath] = [join(dir, 'requests'), join(dir, 'answers')];
      execFileSync('mkfifo', ['-m', '600', requestPath, answerPath]);
      // Read-write opens of a FIFO never wait for the other side; answers are polled, so they do not block.
      const requests = openSync(requestPath, constants.O_RDWR);
      const answers = openSync(answerPath, constants.O_RDWR | constants.O_NONBLOCK);
      const [command, ...args] = HELPERS[kind];
      const child = spawn(command, [...args, requestPath, answerPath], { stdio: 'ignore' });
      child.unref();
      return new SttyHelper(dir, requests, answers, child);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** `stty -F tty` output, or null when stty failed; a helper that does not answer in time is closed. */
  modes(tty: string, timeoutMs: number): string | null {
    const seq = ++this.seq;
    writeSync(this.requests, `${seq} ${tty}\n`);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const answer = this.take(seq);
      if (answer !== undefined) return answer;
      if (this.dead || performance.now() > deadline) {
        this.close();
        return null;
      }
      Atomics.wait(this.sleeper, 0, 0, POLL_MS);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dead = true;
    this.child.kill('SIGKILL');
    closeSync(this.requests);
    closeSync(this.answers);
    this.removeDir();
  }

  private take(seq: number): string | null | undefined {
    try {
      const read = readSync(this.answers, this.buffer, 0, this.buffer.length, null);
      this.pending += this.buffer.toString('utf8', 0, read);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
    const end = /^(ok|fail) (\d+)$/m.exec(this.pending);
    if (!end || Number(end[2]) !== seq) return undefined;
    const answer = this.pending.slice(0, end.index);
    this.pending = '';
    // Both FIFOs are open at both ends now: their names are no longer needed.
    this.removeDir();
    return end[1] === 'ok' ? answer : null;
  }

  private removeDir(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
