import { useState, type FormEvent } from 'react';
import { terminalKey } from '../../../common/app/api';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { splitCommandLine } from '../lib/argv';
import { focusTerminal } from '../lib/commands';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store/store';
import { Modal } from './Modal';

export function StartSessionDialog({ host: initialHost, placement }: { host: string | null; placement: 'tab' | 'split' }) {
  const close = () => useStore.getState().openDialog(null);
  const connected = useStore(
    useShallow((state) => state.hostOrder.filter((name) => state.hosts[name]?.state === 'connected')),
  );
  const [host, setHost] = useState(initialHost && connected.includes(initialHost) ? initialHost : (connected[0] ?? ''));
  const [commandLine, setCommandLine] = useState('bash');
  const [cwd, setCwd] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let words: string[];
    try {
      words = splitCommandLine(commandLine);
    } catch (failure) {
      return setError(`Command: ${errorMessage(failure)}`);
    }
    const [command, ...args] = words;
    if (!host) return setError('No connected host to start on.');
    if (!command) return setError('Type a command, e.g. bash or claude.');
    setBusy(true);
    setError(null);
    try {
      const { session } = await client().request('sessions.start', {
        host,
        spec: {
          command,
          args,
          ...(cwd.trim() ? { cwd: cwd.trim() } : {}),
          ...(name.trim() ? { name: name.trim() } : {}),
        },
      });
      const key = terminalKey(host, session.id);
      useStore.getState().openTerminal(key, placement);
      close();
      focusTerminal(key);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };

  return (
    <Modal title={placement === 'split' ? 'Start a session beside' : 'Start a session'} onClose={busy ? undefined : close}>
      <form onSubmit={submit} className="form">
        <label>
          <span>Host</span>
          {connected.length ? (
            <select name="host" value={host} onChange={(event) => setHost(event.target.value)}>
              {connected.map((entry) => (
                <option key={entry} value={entry}>
                  {entry}
                </option>
              ))}
            </select>
          ) : (
            <span className="form-error">No host is connected. Add or reconnect one first.</span>
          )}
        </label>
        <label>
          <span>Command</span>
          <input name="command" value={commandLine} onChange={(event) => setCommandLine(event.target.value)} placeholder="claude --continue" autoFocus required />
        </label>
        <label>
          <span>Working directory</span>
          <input name="cwd" value={cwd} onChange={(event) => setCwd(event.target.value)} placeholder="home directory" />
        </label>
        <label>
          <span>Name</span>
          <input name="name" value={name} onChange={(event) => setName(event.target.value)} placeholder="e.g. fix-flaky-tests" />
        </label>
        {error && <p className="form-error" role="alert">{error}</p>}
        <footer className="modal-actions">
          <button type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !connected.length}>
            {busy ? 'Starting…' : 'Start'}
          </button>
        </footer>
      </form>
    </Modal>
  );
}
