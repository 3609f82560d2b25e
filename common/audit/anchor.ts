import type { AuditHead } from '../protocol/methods';

/** Why a host's audit chain fails an anchor (a head seen before), in the same words on the host and in the app. */
export function anchorProblem(anchor: AuditHead, hashNow: string | null, head: AuditHead | null): string {
  if (!hashNow) {
    return `the chain no longer holds record ${anchor.seq}, which was seen before: it was cut (the head is now ${head ? `record ${head.seq}` : 'empty'})`;
  }
  return `record ${anchor.seq} is not the one seen before (hash ${hashNow.slice(0, 12)}… instead of ${anchor.hash.slice(0, 12)}…): the chain was rewritten`;
}
