import { existsSync } from 'node:fs';
import { AuditHead } from '../../common/protocol/methods';
import { AuditReader } from '../audit/auditReader';
import { statePaths, type HostConfig } from '../config';
import { openDatabase } from '../journal/database';

function parseAnchor(raw: string): AuditHead {
  const [seq, hash] = raw.split(':');
  const parsed = AuditHead.safeParse({ seq: Number(seq), hash });
  if (!parsed.success) throw new Error(`--anchor expects SEQ:HASH (a record number and its 64-hex hash), got "${raw}"`);
  return parsed.data;
}

/**
 * `agent-host audit verify [--anchor SEQ:HASH] [--json]`: walks the hash chain and, with an anchor (a head a client
 * saw before), checks the chain still holds it. Exit 0 intact, 1 broken, 2 nothing to verify.
 */
export async function auditVerify(config: HostConfig, json: boolean, anchorFlag: string | undefined): Promise<number> {
  const anchor = anchorFlag === undefined ? undefined : parseAnchor(anchorFlag);
  const path = statePaths(config.stateDir).database;
  if (!existsSync(path)) {
    process.stderr.write(`agent-host audit verify: no host database at ${path}\n`);
    return 2;
  }
  const db = openDatabase(path, { readonly: true });
  try {
    const result = await new AuditReader(db).verify(anchor);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok) {
      const held = result.anchorHeld ? `, holds record ${anchor!.seq} as seen before` : '';
      process.stdout.write(`audit ok: ${result.records} record(s), head ${result.head?.hash ?? '(empty)'}${held}\n`);
    } else process.stdout.write(`audit BROKEN at seq ${result.firstBadSeq}: ${result.problem}\n`);
    return result.ok ? 0 : 1;
  } finally {
    db.close();
  }
}
