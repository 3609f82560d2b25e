// Runs inside loginShellSshd.ts's mount namespace: starts the harness sshd, prints what the test needs as one JSON
// line, and stops it when stdin closes (the test is done, or gone).
import { startSshd } from '../../harness/sshd';

const sshd = await startSshd({ hardened: true });
process.stdout.write(`${JSON.stringify({ sshConfigEntry: sshd.sshConfigEntry('vm'), knownHostsLine: sshd.knownHostsLine })}\n`);
process.stdin.resume();
process.stdin.once('end', () => {
  void sshd.stop().then(() => process.exit(0));
});
