import type { AppApi } from '../../../common/app/api';
import type { ResultOf } from '../../../common/protocol/define';
import { shortHash } from './auditView';

export type VerifyResult = ResultOf<AppApi, 'audit.verify'>;

/** A verify result as the view says it: one line that answers "can I trust this log?", and the facts behind it. */
export interface VerifySummary {
  ok: boolean;
  title: string;
  facts: string[];
}

/**
 * `accepted`: the result of accepting the host's chain (audit.verify accept), which moved the anchor to the host's
 * head whatever the walk said about the old one.
 */
export function describeVerify(result: VerifyResult, accepted = false): VerifySummary {
  const checked = `${result.records} record${result.records === 1 ? '' : 's'} checked`;
  const head = result.head ? `head #${result.head.seq} ${shortHash(result.head.hash)}` : 'no records yet';
  // The host reports a chain that walks clean but lost the anchor as not ok, naming the anchor's record.
  const lostAnchor = result.anchorHeld === false && result.anchor !== null && result.firstBadSeq === result.anchor.seq;
  if (lostAnchor && accepted) {
    return {
      ok: true,
      title: `Accepted the host's chain as it is now: ${checked}`,
      facts: [head, "records this app had mirrored that the host no longer holds are in the app's archive; later checks hold the host to this head"],
    };
  }
  if (lostAnchor) {
    return {
      ok: false,
      title: `History rewritten: record #${result.anchor!.seq} this app saw is no longer in the chain`,
      facts: [result.problem ?? 'the anchor is not held', ...(result.alarm && result.alarm !== result.problem ? [result.alarm] : []), checked, head],
    };
  }
  if (!result.ok) {
    return {
      ok: false,
      title: result.firstBadSeq === null ? 'The chain is broken' : `The chain is broken at record #${result.firstBadSeq}`,
      facts: [result.problem ?? 'the host named no problem', checked],
    };
  }
  if (result.alarm !== null) {
    return { ok: false, title: 'The chain is intact, but the alarm on this host stands', facts: [result.alarm, checked, head] };
  }
  const anchor = accepted
    ? "accepted as it is now: later checks hold the host to this head"
    : result.anchor
      ? `it still holds record #${result.anchor.seq} (${shortHash(result.anchor.hash)}), the newest this app had seen`
      : 'first check from this app: its head is now the anchor later checks hold it to';
  return { ok: true, title: `Chain intact: ${checked}`, facts: [head, anchor] };
}
