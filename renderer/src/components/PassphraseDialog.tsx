import { useState, type FormEvent } from 'react';
import type { Prompt } from '../../../common/app/prompts';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { Modal } from './Modal';

type PassphrasePrompt = Extract<Prompt, { kind: 'passphrase' }>;

export function PassphraseDialog({ prompt }: { prompt: PassphrasePrompt }) {
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const answer = async (value: string | null) => {
    setBusy(true);
    try {
      await client().request('prompts.answer', { id: prompt.id, kind: 'passphrase', passphrase: value });
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void answer(passphrase);
  };
  return (
    <Modal title={`Unlock key for ${prompt.host}`} onClose={() => void answer(null)}>
      <form onSubmit={submit} className="form">
        <p>
          The key <code>{prompt.keyPath}</code> is encrypted. Flightdeck keeps the passphrase in memory only.
        </p>
        {prompt.retry && <p className="form-error" role="alert">That passphrase was wrong. Try again.</p>}
        <label>
          <span>Passphrase</span>
          <input type="password" name="passphrase" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoFocus autoComplete="off" />
        </label>
        {error && <p className="form-error" role="alert">{error}</p>}
        <footer className="modal-actions">
          <button type="button" onClick={() => void answer(null)} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Unlock
          </button>
        </footer>
      </form>
    </Modal>
  );
}
