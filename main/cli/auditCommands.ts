import { parseArgs } from 'node:util';
import { auditVerifyRepo } from './contextCommands';
import { print, printJson, UsageError, type CliContext } from './context';

/**
 * `audit verify HOST [--accept]`: the host walks its chain, and the chain must still hold the newest record this
 * machine saw of it (cut or rewritten history is reported even when the host's own check passes). Exit 1 when not.
 */
export async function auditVerify(ctx: CliContext, argv: string[]): Promise<void> {
  if (argv.some((arg) => arg === '--repo' || arg.startsWith('--repo='))) return auditVerifyRepo(ctx, argv);
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { accept: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('usage: flightdeck audit verify HOST [--accept]');
  const report = await ctx.core.verifyAudit(positionals[0]!, values.accept ?? false);
  if (ctx.json) printJson(report);
  else {
    const head = report.head ? `head record ${report.head.seq} ${report.head.hash.slice(0, 16)}…` : 'empty';
    print(`${report.host}: ${report.records} audit record(s), ${head}`);
    print(report.ok ? '  chain intact' : `  chain BROKEN at record ${report.firstBadSeq}: ${report.problem}`);
    if (report.anchor) print(`  record ${report.anchor.seq} seen before: ${report.anchorHeld ? 'still there, unchanged' : 'NOT held any more'}`);
    if (values.accept) print('  accepted: this chain is the new reference');
    else if (report.alarm) print(`  ALARM: ${report.alarm}\n  After investigating, \`flightdeck audit verify ${report.host} --accept\` takes the chain as it is now.`);
  }
  if (!values.accept && (!report.ok || report.alarm)) throw new Error(`${report.host}: audit check failed`);
}
