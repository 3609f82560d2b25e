import './inboxItems.css';
import { useEffect, useState } from 'react';
import type { InboxEntry, InboxShown } from '../../../../common/app/runs';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { formatAge, useNow } from '../../lib/age';
import { openAgentByName, openStepAgent } from '../../lib/runActions';
import { KIND_LABELS, type ApproveWith } from '../../lib/inboxActions';
import { useStore } from '../../store/store';
import { CheckpointReview } from './CheckpointReview';
import { DecisionBar } from './DecisionBar';
import { LearningsReview } from './LearningsReview';
import { PlanReview } from './PlanReview';
import { ApprovalReview, QuestionReview } from './QuestionReview';
import { ReviewFeedback } from './ReviewFeedback';

type Loaded = { state: 'loading' } | { state: 'failed'; error: string } | { state: 'shown'; shown: InboxShown };

function Body({ shown, onApproveWith }: { shown: InboxShown; onApproveWith(approve: ApproveWith): void }) {
  const { detail, item, host } = shown;
  switch (detail.kind) {
    case 'plan':
      return <PlanReview detail={detail} onApproveWith={onApproveWith} />;
    case 'approval':
      return <ApprovalReview approval={detail.approval} />;
    case 'learnings':
      return <LearningsReview host={host} detail={detail} onApproveWith={onApproveWith} />;
    case 'review':
      return <ReviewFeedback detail={detail} agent={item.agent} />;
    case 'question':
      return detail.request === 'checkpoint' ? (
        <CheckpointReview input={detail.input} approvals={shown.approvals} />
      ) : (
        <QuestionReview request={detail.request} input={detail.input} summary={item.summary} />
      );
  }
}

/** The options an item offers: the inbox's, else an escalation's suggested resolutions or a question's choices. */
function optionsOf(entry: InboxEntry, shown: InboxShown | null): string[] {
  if (entry.options?.length) return entry.options;
  const input = shown?.detail.kind === 'question' ? shown.detail.input : {};
  const offered = input.suggested_resolutions ?? input.options;
  return Array.isArray(offered) ? offered.filter((option): option is string => typeof option === 'string') : [];
}

/** One inbox item, opened: everything needed to decide it, and the decision bar. */
export function InboxItemView({ host, id, reject = false }: { host: string; id: string; reject?: boolean }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [approveWith, setApproveWith] = useState<ApproveWith>({});
  const live = useStore((state) => state.inbox.entries?.find((entry) => entry.host === host && entry.id === id));
  const hostView = useStore((state) => state.hosts[host]);
  const showView = useStore((state) => state.showView);
  const beside = useStore((state) => state.terminalsBeside);
  const setBeside = useStore((state) => state.setTerminalsBeside);
  const now = useNow();
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    client()
      .request('inbox.show', { host, item: id })
      .then(
        (shown) => current && setLoaded({ state: 'shown', shown }),
        (error: unknown) => current && setLoaded({ state: 'failed', error: errorMessage(error) }),
      );
    return () => {
      current = false;
    };
  }, [host, id]);

  const shown = loaded.state === 'shown' ? loaded.shown : null;
  const entry: InboxEntry | undefined = live ?? (shown ? { ...shown.item, host } : undefined);
  const back = () => showView({ kind: 'inbox' });
  // A decision answers later: by then the human may have gone elsewhere, and stays there.
  const decided = () => {
    const view = useStore.getState().view;
    if (view.kind === 'item' && view.host === host && view.item === id) back();
  };
  // Listed once and gone now: decided here, elsewhere, or the run went.
  const gone = useStore((state) => state.inbox.entries !== null) && !live && loaded.state !== 'loading';
  return (
    <section className="view item-view" aria-labelledby="item-title" data-item={id} data-kind={entry?.kind}>
      <header className="view-header">
        <button type="button" className="back-button" onClick={back}>
          ← Inbox
        </button>
        {entry && <span className={`kind kind-${entry.kind}`}>{KIND_LABELS[entry.kind]}</span>}
        <h1 id="item-title" className="item-title">
          {entry?.summary ?? id}
        </h1>
        {beside && (
          <button type="button" className="ghost-button push-right" onClick={() => setBeside(false)}>
            Hide terminals
          </button>
        )}
      </header>
      {entry && (
        <p className="item-meta">
          <span>{host}</span>
          {entry.run && (
            <>
              {' · '}
              <button type="button" className="link" onClick={() => showView({ kind: 'run', host, run: entry.run! })}>
                {entry.run}
              </button>
            </>
          )}
          {entry.step && <> · step <code>{entry.step}</code></>}
          {entry.agent && (
            <>
              {' · '}
              <button type="button" className="link" onClick={() => openAgentByName(host, entry.agent!)}>
                {entry.agent}
              </button>
            </>
          )}
          {' · '}
          {formatAge(now - entry.since) === 'now' ? 'just arrived' : `waiting ${formatAge(now - entry.since)}`}
        </p>
      )}
      {gone && (
        <p className="notice info" role="status">
          This item no longer waits: it was decided (here or by someone else), or its run ended.
        </p>
      )}
      {hostView && hostView.state !== 'connected' && (
        <p className="notice warn" role="status">
          {host} is {hostView.state}: deciding needs the host, and connects to it first.
        </p>
      )}
      {entry?.agent && (entry.kind === 'escalation' || entry.kind === 'question') && (
        <div className="item-actions">
          <button type="button" onClick={() => openStepAgent(host, entry.agent!)}>
            Open the agent&apos;s terminal
          </button>
        </div>
      )}
      <div className="item-body">
        {loaded.state === 'loading' && <p className="muted loading-line">Loading {id} from {host}…</p>}
        {loaded.state === 'failed' && (
          <p className="notice danger" role="alert">
            Could not load {host}/{id}: {loaded.error}
          </p>
        )}
        {shown && <Body shown={shown} onApproveWith={setApproveWith} />}
      </div>
      {entry && (
        <DecisionBar
          key={`${host}/${id}`}
          item={entry}
          options={optionsOf(entry, shown)}
          disabled={gone || !shown}
          approveWith={approveWith}
          onBack={back}
          onDecided={decided}
          rejecting={reject}
        />
      )}
    </section>
  );
}
