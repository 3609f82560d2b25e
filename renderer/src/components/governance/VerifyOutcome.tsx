import { describeVerify, type VerifyResult } from '../../lib/auditViewVerify';

export type VerifyState = { phase: 'idle' } | { phase: 'running' } | { phase: 'done'; result: VerifyResult; accepted: boolean } | { phase: 'failed'; error: string };

/** What the last "Verify chain" found, said plainly: intact (and since when this app has held it so), or where it breaks. */
export function VerifyOutcome({ state, onDismiss }: { state: VerifyState; onDismiss(): void }) {
  if (state.phase === 'idle') return null;
  if (state.phase === 'running') {
    return (
      <p className="notice info gov-verify" role="status" data-verify="running">
        Walking the chain on the host…
      </p>
    );
  }
  if (state.phase === 'failed') {
    return (
      <div className="notice danger gov-verify" role="alert" data-verify="failed">
        <strong>The chain could not be checked:</strong> {state.error}
        <button type="button" className="ghost-button push-right" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  const summary = describeVerify(state.result, state.accepted);
  return (
    <div className={`notice gov-verify ${summary.ok ? 'ok' : 'danger'}`} role={summary.ok ? 'status' : 'alert'} data-verify={summary.ok ? 'ok' : 'bad'}>
      <div>
        <strong>
          <span aria-hidden="true">{summary.ok ? '✓ ' : '✗ '}</span>
          {summary.title}
        </strong>
        <ul className="gov-verify-facts">
          {summary.facts.map((fact) => (
            <li key={fact}>{fact}</li>
          ))}
        </ul>
      </div>
      <button type="button" className="ghost-button push-right" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
