import { useState } from 'react';
import type { Prompt } from '../../../common/app/prompts';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { Modal } from './Modal';

type HostKeyPrompt = Extract<Prompt, { kind: 'host-key' }>;

/** Trust on first use, with the fingerprint to compare out of band; a changed key is a loud warning. */
export function HostKeyDialog({ prompt }: { prompt: HostKeyPrompt }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const changed = prompt.reason === 'changed';
  const answer = async (trust: boolean) => {
    setBusy(true);
    try {
      await client().request('prompts.answer', { id: prompt.id, kind: 'host-key', trust });
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };
  return (
    <Modal title={changed ? `The host key of ${prompt.host} CHANGED` : `Trust ${prompt.host}?`} tone={changed ? 'danger' : 'warning'} onClose={() => void answer(false)}>
      <p>
        {changed
          ? 'The key this server presented differs from the one you trusted before. This happens when the VM was rebuilt — or when someone is intercepting the connection. Verify with the VM owner before trusting.'
          : 'Flightdeck has never seen this server. Compare the fingerprint with the one your infrastructure publishes (ssh-keygen -lf on the VM) before trusting it.'}
      </p>
      <dl className="facts">
        <dt>Endpoint</dt>
        <dd>{prompt.endpoint}</dd>
        <dt>Key type</dt>
        <dd>{prompt.algorithm}</dd>
        <dt>Fingerprint</dt>
        <dd className="fingerprint" data-testid="host-key-fingerprint">{prompt.fingerprint}</dd>
        {prompt.previousFingerprint && (
          <>
            <dt>Previously</dt>
            <dd className="fingerprint">{prompt.previousFingerprint}</dd>
          </>
        )}
      </dl>
      {error && <p className="form-error" role="alert">{error}</p>}
      <footer className="modal-actions">
        <button type="button" className={changed ? 'primary' : ''} onClick={() => void answer(false)} disabled={busy}>
          Don't connect
        </button>
        <button type="button" className={changed ? 'danger' : 'primary'} onClick={() => void answer(true)} disabled={busy}>
          {changed ? 'Trust the new key' : 'Trust and connect'}
        </button>
      </footer>
    </Modal>
  );
}
