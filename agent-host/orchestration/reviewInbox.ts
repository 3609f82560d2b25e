import { Emitter, type ListenerErrorHandler } from '../../common/events';
import type { InboxDecision, InboxDetail, InboxItem } from '../../common/protocol/runs';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';
import type { Actor } from '../sessions/sessionManager';
import type { InboxSource } from './inbox';
import type { PullRequestStore, ReviewRound } from './pullRequestStore';

/** `rv-<run>-<round>`: a round of review feedback in the inbox. */
export function reviewItemId(run: string, round: number): string {
  return `rv-${run}-${round}`;
}

function parseReviewItemId(id: string): { run: string; round: number } | undefined {
  const match = /^rv-(r-[0-9a-f]+)-(\d+)$/.exec(id);
  return match ? { run: match[1]!, round: Number(match[2]) } : undefined;
}

export interface ReviewInboxDeps {
  pulls: PullRequestStore;
  audit: AuditLog;
  /** Starts the rework of an open round, or tries a failed one again. */
  rework(round: ReviewRound, by: Actor): Promise<void>;
  /** Whether a round of the run is being reworked now. */
  busy(run: string): boolean;
  onListenerError?: ListenerErrorHandler;
}

const WAITING = ['open', 'reworking', 'failed'] as const;

/**
 * Review feedback in the inbox: one item per round, until the rework is pushed and answered or a person dismisses it.
 * approve starts the rework (or tries a failed one again); reject --feedback dismisses it.
 */
export class ReviewInbox implements InboxSource {
  readonly changes: Emitter<void>;

  constructor(private readonly deps: ReviewInboxDeps) {
    this.changes = new Emitter({ name: 'review inbox', onListenerError: deps.onListenerError });
  }

  items(): InboxItem[] {
    return this.deps.pulls.rounds({ status: WAITING }).map((round) => ({
      id: reviewItemId(round.run, round.round),
      kind: 'review',
      run: round.run,
      step: null,
      agent: round.agent,
      summary: this.summary(round),
      since: round.createdAt,
    }));
  }

  show(id: string): InboxDetail | undefined {
    const round = this.find(id);
    const pullRequest = round && this.deps.pulls.info(round.run);
    if (!round || !pullRequest) return undefined;
    const comments = this.deps.pulls.feedback(round.run, round.round).map((item) => item.comment);
    return { kind: 'review', run: round.run, pullRequest, round: round.round, comments };
  }

  decide(id: string, decision: InboxDecision, text: string | undefined, by: Actor): Promise<boolean> | undefined {
    const round = this.find(id);
    if (!round) return undefined;
    return this.decided(round, decision, text, by);
  }

  private async decided(round: ReviewRound, decision: InboxDecision, text: string | undefined, by: Actor): Promise<boolean> {
    const id = reviewItemId(round.run, round.round);
    if (decision === 'answer') throw new WireError(WireErrorCode.InvalidParams, 'review feedback is approved (reworked) or rejected with feedback (dismissed), not answered');
    if (round.status === 'reworking') {
      throw new WireError(WireErrorCode.RunState, `${id} is being reworked by ${round.agent}: it settles once the rework is pushed and answered`, { item: id });
    }
    const audit = { actor: by.actor, target: `run:${round.run}`, outcome: 'ok' as const };
    if (decision === 'reject') {
      if (!text?.trim()) throw new WireError(WireErrorCode.InvalidParams, 'dismissing review feedback needs --feedback: why it is not reworked');
      this.deps.audit.append({ ...audit, action: 'review.dismiss', data: { ...by.data, item: id, round: round.round, feedback: text } });
      this.deps.pulls.updateRound(round.run, round.round, { status: 'dismissed', decidedBy: by.actor, decision: text });
      this.changes.emit();
      return true;
    }
    if (this.deps.busy(round.run)) {
      throw new WireError(WireErrorCode.RunState, `another round of ${round.run}'s review is being reworked: approve ${id} once it is pushed`, { item: id });
    }
    this.deps.audit.append({ ...audit, action: 'review.approve', data: { ...by.data, item: id, round: round.round, note: text ?? null } });
    this.deps.pulls.updateRound(round.run, round.round, { decidedBy: by.actor, decision: text ?? null });
    await this.deps.rework(round, by);
    return true;
  }

  private find(id: string): ReviewRound | undefined {
    const parsed = parseReviewItemId(id);
    const round = parsed && this.deps.pulls.round(parsed.run, parsed.round);
    return round && (WAITING as readonly string[]).includes(round.status) ? round : undefined;
  }

  private summary(round: ReviewRound): string {
    const count = this.deps.pulls.feedback(round.run, round.round).length;
    const number = this.deps.pulls.get(round.run)?.number;
    const what = `${count} review comment${count === 1 ? '' : 's'} on PR #${number ?? '?'}`;
    if (round.status === 'reworking') return `${what} (being reworked by ${round.agent})`;
    if (round.status === 'failed') return `${what} (the rework failed: ${round.note})`;
    return what;
  }
}
