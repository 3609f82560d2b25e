import { useRef, useState } from 'react';
import type { RunInfo, RunState } from '../../../../common/protocol/runs';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { useStore } from '../../store/store';

type Control = 'pause' | 'resume' | 'cancel';

const FINISHED: ReadonlySet<RunState> = new Set(['done', 'failed', 'cancelled']);
const DONE: Record<Control, string> = { pause: 'Paused', resume: 'Resumed', cancel: 'Cancelled' };

/** Why a control does not apply to a run in this state; undefined when it does. */
function whyNot(control: Control, state: RunState): string | undefined {
  switch (control) {
    case 'pause':
      return state === 'running' ? undefined : state === 'paused' ? 'The run is paused already' : `Only a running run pauses; this one is ${state}`;
    case 'resume':
      return state === 'paused' ? undefined : 'Only a paused run resumes';
    case 'cancel':
      return FINISHED.has(state) ? `The run is ${state}: nothing is left to cancel` : undefined;
  }
}

/**
 * Pause, resume and cancel a run, each disabled with the reason when it does not apply; cancelling asks first and
 * says what stays. The host answers with the run, and its event updates every view.
 */
export function RunControls({ host, run, offline }: { host: string; run: RunInfo; offline: string | null }) {
  const [busy, setBusy] = useState<Control | null>(null);
  const [confirming, setConfirming] = useState(false);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const reason = (control: Control) => offline ?? whyNot(control, run.state);

  const act = async (control: Control) => {
    setConfirming(false);
    setBusy(control);
    const store = useStore.getState();
    try {
      const result = await client().request(`runs.${control}`, { host, run: run.id });
      store.applyRunEvent(result.host, result.run);
      store.toast('info', `${DONE[control]} ${host}/${run.id}`);
    } catch (error) {
      store.toast('error', `Could not ${control} ${host}/${run.id}: ${errorMessage(error)}`);
    } finally {
      setBusy(null);
    }
  };
  const button = (control: Control, label: string, onClick: () => void) => {
    const why = reason(control);
    return (
      <button type="button" data-control={control} disabled={why !== undefined || busy !== null} title={why ?? `${label} ${run.id}`} onClick={onClick}>
        {busy === control ? `${label}…` : label}
      </button>
    );
  };

  return (
    <div className="run-controls" role="group" aria-label={`Controls of ${run.id}`}>
      {run.state === 'paused' ? button('resume', 'Resume', () => void act('resume')) : button('pause', 'Pause', () => void act('pause'))}
      <button
        type="button"
        ref={cancelButton}
        data-control="cancel"
        className="danger-outline"
        disabled={reason('cancel') !== undefined || busy !== null}
        title={reason('cancel') ?? `Cancel ${run.id}…`}
        aria-expanded={confirming}
        onClick={() => setConfirming(true)}
      >
        {busy === 'cancel' ? 'Cancelling…' : 'Cancel run…'}
      </button>
      {confirming && (
        <div
          className="run-cancel-confirm notice warn"
          role="alertdialog"
          aria-labelledby="cancel-run-title"
          aria-describedby="cancel-run-text"
          onKeyDown={(event) => {
            if (event.key !== 'Escape') return;
            event.stopPropagation();
            setConfirming(false);
            cancelButton.current?.focus();
          }}
        >
          <strong id="cancel-run-title">Cancel {run.id}?</strong>{' '}
          <span id="cancel-run-text">
            Its agents stop and its items leave the inbox. Its worktrees and branches stay on {host}, for you to inspect.
          </span>
          <button type="button" className="danger" data-testid="confirm-cancel" onClick={() => void act('cancel')}>
            Cancel the run
          </button>
          <button type="button" autoFocus onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      )}
    </div>
  );
}
