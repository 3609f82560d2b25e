import type { InboxDecision, InboxKind } from '../../../common/protocol/runs';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { useStore } from '../store/store';
import { itemKey } from '../store/viewSlice';
import { noteDecidedHere } from './notifications';

export const KIND_LABELS: Record<InboxKind, string> = {
  plan: 'Plan',
  checkpoint: 'Checkpoint',
  question: 'Question',
  escalation: 'Escalation',
  approval: 'Command',
  learnings: 'Learnings',
  review: 'PR review',
};

/** What approving an item sends besides the decision (a learnings list as edited), or why it cannot be sent yet. */
export interface ApproveWith {
  text?: string;
  blocked?: string;
}

/** Kinds decided by approve / reject; the others are answered with text. */
export function isApprovable(kind: InboxKind): boolean {
  return kind !== 'question' && kind !== 'escalation';
}

const DONE: Record<InboxDecision, string> = { approve: 'Approved', reject: 'Sent back', answer: 'Answered' };

/**
 * Sends a decision to the item's host. True when the host took it; a first approval of a change to protected paths
 * is taken but leaves the item waiting for a second reviewer, and says so.
 */
export async function decideItem(host: string, item: string, decision: InboxDecision, text?: string): Promise<boolean> {
  const store = useStore.getState();
  try {
    const result = await client().request('inbox.decide', { host, item, decision, ...(text?.trim() ? { text } : {}) });
    noteDecidedHere(host, item);
    if (result.settled) store.toast('info', `${DONE[decision]}: ${host}/${item} (${result.item.summary})`);
    else store.toast('info', `Your approval of ${host}/${item} is recorded; it still needs a second reviewer.`);
    return true;
  } catch (error) {
    store.toast('error', `Could not ${decision} ${host}/${item}: ${errorMessage(error)}`);
    return false;
  }
}

export function openItem(host: string, item: string, reject = false): void {
  const store = useStore.getState();
  store.setInboxCursor(itemKey(host, item));
  store.showView({ kind: 'item', host, item, ...(reject ? { reject } : {}) });
}
