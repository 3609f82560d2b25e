import { useEffect, useRef, useState } from 'react';
import type { InboxEntry } from '../../../../common/app/runs';
import type { InboxDecision } from '../../../../common/protocol/runs';
import { decideItem, isApprovable, type ApproveWith } from '../../lib/inboxActions';
import { useViewKeys } from '../../lib/viewKeys';

interface Props {
  item: InboxEntry;
  /** Options to answer with (an escalation's resolutions, a question's choices). */
  options: string[];
  /** Nothing can be decided (the item went, or is still loading). */
  disabled: boolean;
  /** What approving sends (a learnings list as edited), or why approving must wait. */
  approveWith?: ApproveWith;
  /** The host took the decision (a first approval of protected paths, too: the toast says it still waits). */
  onDecided(): void;
  onBack(): void;
  /** Opened to reject: the feedback box is open and focused. */
  rejecting?: boolean;
}

/**
 * How a person decides an item, all by keyboard too: a approves, r rejects with feedback (or replies, for a question),
 * 1–9 picks an offered option, Ctrl+Enter sends what was typed, Esc cancels the typing and then goes back.
 */
export function DecisionBar({ item, options, disabled, approveWith = {}, onDecided, onBack, rejecting = false }: Props) {
  const approvable = isApprovable(item.kind);
  const [typing, setTyping] = useState(!approvable || rejecting);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (rejecting) box.current?.focus();
  }, [rejecting]);
  const coordinator = item.id.startsWith('es-');

  const send = async (decision: InboxDecision, words?: string) => {
    if (busy || disabled) return;
    setBusy(true);
    const done = await decideItem(item.host, item.id, decision, words);
    setBusy(false);
    if (done) onDecided();
  };
  const submitTyped = () => {
    if (!text.trim()) return box.current?.focus();
    void send(approvable ? 'reject' : 'answer', text);
  };
  // The coordinator's escalations take the resolution's number; an agent gets the words it offered.
  const pick = (index: number) => void send('answer', coordinator ? String(index + 1) : options[index]);
  const approve = () => {
    if (!approveWith.blocked) void send('approve', approveWith.text);
  };
  const openBox = () => {
    setTyping(true);
    requestAnimationFrame(() => box.current?.focus());
  };

  useViewKeys((event) => {
    if (event.key === 'Escape') {
      onBack();
      return true;
    }
    if (disabled || busy) return false;
    if (event.key === 'a' && approvable) {
      approve();
      return true;
    }
    if (event.key === 'r') {
      openBox();
      return true;
    }
    const number = Number(event.key);
    if (!approvable && Number.isInteger(number) && number >= 1 && number <= Math.min(9, options.length)) {
      pick(number - 1);
      return true;
    }
    return false;
  });

  return (
    <div className="decision-bar" role="group" aria-label="Decision">
      {!approvable && options.length > 0 && (
        <div className="option-buttons" aria-label="Suggested answers">
          {options.map((option, index) => (
            <button key={option} type="button" className="option" disabled={disabled || busy} onClick={() => pick(index)}>
              {index < 9 && <kbd>{index + 1}</kbd>} {option}
            </button>
          ))}
        </div>
      )}
      {typing && (
        <label className="decision-text">
          <span>{approvable ? 'Feedback: what should change (goes back to the agent or planner)' : 'Your answer'}</span>
          <textarea
            ref={box}
            name={approvable ? 'feedback' : 'answer'}
            value={text}
            rows={3}
            disabled={disabled || busy}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                submitTyped();
              } else if (event.key === 'Escape') {
                event.preventDefault();
                event.stopPropagation();
                if (approvable) setTyping(false);
                event.currentTarget.blur();
              }
            }}
          />
        </label>
      )}
      <div className="decision-actions">
        {approvable && (
          <button
            type="button"
            className="primary"
            data-testid="approve"
            disabled={disabled || busy || Boolean(approveWith.blocked)}
            title={approveWith.blocked}
            onClick={approve}
          >
            {approveWith.text === undefined ? 'Approve' : 'Approve as edited'} <kbd>a</kbd>
          </button>
        )}
        {typing ? (
          <button type="button" className={approvable ? 'danger' : 'primary'} data-testid={approvable ? 'send-reject' : 'send-answer'} disabled={disabled || busy} onClick={submitTyped}>
            {approvable ? 'Reject with feedback' : 'Send answer'} <kbd>Ctrl+Enter</kbd>
          </button>
        ) : (
          <button type="button" data-testid="reject" disabled={disabled || busy} onClick={openBox}>
            Reject… <kbd>r</kbd>
          </button>
        )}
        <button type="button" className="ghost-button" onClick={onBack}>
          Back <kbd>Esc</kbd>
        </button>
      </div>
    </div>
  );
}
