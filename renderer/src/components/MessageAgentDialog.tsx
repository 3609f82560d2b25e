import { useState, type FormEvent } from 'react';
import type { MessageDelivery } from '../../../common/protocol/agents';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { useStore } from '../store/store';
import { Modal } from './Modal';

const DELIVERED: Record<MessageDelivery, string> = {
  answered: 'answered its question',
  queued: 'queued: it reads it at its next turn',
  typed: 'typed at its prompt',
};

/** A message to an agent; while it waits on a question, the message is the answer (one click for an offered option). */
export function MessageAgentDialog({ host, agent: name }: { host: string; agent: string }) {
  const close = () => useStore.getState().openDialog(null);
  const agent = useStore((state) => state.hosts[host]?.agents?.find((entry) => entry.name === name));
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (message: string) => {
    if (busy) return;
    if (!message.trim()) return setError('Type a message.');
    setBusy(true);
    setError(null);
    try {
      const { delivery } = await client().request('agents.send', { host, agent: name, text: message });
      close();
      useStore.getState().toast('info', `${host}/${name}: ${DELIVERED[delivery]}.`);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send(text);
  };

  const question = agent?.status === 'waiting-for-human' ? agent.question : null;
  return (
    <Modal title={question ? `Answer ${name}` : `Message ${name}`} onClose={busy ? undefined : close}>
      <form onSubmit={submit} className="form">
        {!agent && <p className="form-error">{host}/{name} is gone.</p>}
        {question && (
          <blockquote className="agent-question-full" data-testid="question-text">
            {question.text}
          </blockquote>
        )}
        {question?.options && question.options.length > 0 && (
          <div className="option-buttons">
            {question.options.map((option) => (
              <button key={option} type="button" disabled={busy} onClick={() => void send(option)}>
                {option}
              </button>
            ))}
          </div>
        )}
        <label>
          <span>{question ? 'Answer' : 'Message'}</span>
          <textarea
            name="message"
            rows={4}
            value={text}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                void send(text);
              }
            }}
            autoFocus
            required
          />
        </label>
        {error && <p className="form-error" role="alert">{error}</p>}
        <footer className="modal-actions">
          <button type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !agent} title="Send (Ctrl+Enter in the text)">
            {busy ? 'Sending…' : 'Send'}
          </button>
        </footer>
      </form>
    </Modal>
  );
}
