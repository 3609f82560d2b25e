import { useState } from 'react';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import type { VerifyResult } from '../../lib/auditViewVerify';
import { Modal } from '../Modal';

/**
 * "This host rewrote its history": the loudest thing the view can say, with the one way out — accepting the host's
 * chain as it is now, behind a confirmation that says exactly what that does.
 */
export function AuditAlarm({ host, alarm, onAccepted }: { host: string; alarm: string; onAccepted(result: VerifyResult): void }) {
  const [confirming, setConfirming] = useState(false);
  const [accepting, setAccepting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const accept = async () => {
    setAccepting(true);
    setError(null);
    try {
      const result = await client().request('audit.verify', { host, accept: true });
      setConfirming(false);
      onAccepted(result);
    } catch (failure) {
      setError(`${host} did not take the acceptance: ${errorMessage(failure)}`);
    } finally {
      setAccepting(false);
    }
  };

  return (
    <>
      <div className="gov-alarm" role="alert" data-alarm={host}>
        <div className="gov-alarm-text">
          <strong>{host} rewrote its audit history.</strong>
          <p>{alarm}</p>
          <p className="gov-alarm-note">
            The mirror takes nothing new from {host} until you accept its chain as it is now. Find out why its history changed first.
          </p>
        </div>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Accept the host&apos;s chain…
        </button>
      </div>
      {confirming && (
        <Modal title={`Accept ${host}'s audit chain as it is now?`} tone="danger" onClose={() => !accepting && setConfirming(false)}>
          <div className="gov-confirm">
            <p>Accepting makes {host}&apos;s chain, as it is now, the one this app holds it to:</p>
            <ul>
              <li>
                the records of {host} this app mirrored that the host no longer holds move to the app&apos;s <strong>archive</strong>, kept as
                evidence — <strong>nothing is deleted</strong>;
              </li>
              <li>the mirror follows the host&apos;s chain from the last record both agree on;</li>
              <li>the alarm ends, and later checks hold {host} to its current head.</li>
            </ul>
            <p className="muted">Do this only once you know why its history changed.</p>
            {error && (
              <p className="notice danger" role="alert">
                {error}
              </p>
            )}
            <div className="modal-actions">
              <button type="button" autoFocus disabled={accepting} onClick={() => setConfirming(false)}>
                Cancel
              </button>
              <button type="button" className="danger" disabled={accepting} onClick={() => void accept()}>
                {accepting ? 'Accepting…' : "Accept the host's chain"}
              </button>
            </div>
          </div>
        </Modal>
      )}
    </>
  );
}
