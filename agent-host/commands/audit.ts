import { existsSync } from 'node:fs';
import { verifyAudit } from '../audit/auditLog';
import { statePaths, type HostConfig } from '../config';
import { openDatabase } from '../journal/database';

/** `agent-host audit verify [--json]`: walks the hash chain; exit 0 intact, 1 broken, 2 nothing to verify. */
export function auditVerify(config: HostConfig, json: boolean): number {
  const path = statePaths(config.stateDir).database;
  if (!existsSync(path)) {
    process.stderr.write(`agent-host audit verify: no host database at ${path}\n`);
    return 2;
  }
  const db = openDatabase(path, { readonly: true });
  try {
    const result = verifyAudit(db);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok) process.stdout.write(`audit ok: ${result.records} record(s), head ${result.headHash}\n`);
    else process.stdout.write(`audit BROKEN at seq ${result.firstBadSeq}: ${result.problem}\n`);
    return result.ok ? 0 : 1;
  } finally {
    db.close();
  }
}
