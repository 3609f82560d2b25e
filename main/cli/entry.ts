import { runCli } from './run';

// Exit explicitly: an SSH socket being torn down must not keep a finished command alive.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`flightdeck: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
