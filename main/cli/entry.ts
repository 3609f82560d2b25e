import { runCli } from './run';

/** Resolves once everything written to `stream` so far has left the process (a pipe takes it asynchronously). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

// A reader that went away (`flightdeck … | head`) is not an error of ours: stop writing, exit quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
}

// Exit explicitly (an SSH socket being torn down must not keep a finished command alive), but only once stdout and
// stderr have taken all the output: process.exit drops whatever a pipe had not yet accepted.
runCli(process.argv.slice(2))
  .catch((error: unknown) => {
    process.stderr.write(`flightdeck: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  })
  .then(async (code) => {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  });
