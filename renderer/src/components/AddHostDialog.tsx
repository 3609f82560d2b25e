import { useEffect, useState, type FormEvent } from 'react';
import { HostName } from '../../../common/app/hosts';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { useStore } from '../store/store';
import { Modal } from './Modal';

type Alias = { alias: string; hostName: string | null; user: string | null };

/** Suggests a host name from an alias or user@host[:port]: the host part, made safe. */
function suggestName(target: string): string {
  const host = target.replace(/^.*@/, '').replace(/:\d+$/, '');
  return host.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
}

export function AddHostDialog() {
  const close = () => useStore.getState().openDialog(null);
  const toast = useStore((state) => state.toast);
  const [aliases, setAliases] = useState<Alias[] | null>(null);
  const [aliasError, setAliasError] = useState<string | null>(null);
  const [target, setTarget] = useState('');
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [port, setPort] = useState('');
  const [identityFile, setIdentityFile] = useState('');
  const [jump, setJump] = useState('');
  const [hostDir, setHostDir] = useState('');
  const [node, setNode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client()
      .request('hosts.sshAliases', {})
      .then(({ aliases }) => setAliases(aliases))
      .catch((failure) => setAliasError(errorMessage(failure)));
  }, []);

  const chooseTarget = (value: string) => {
    setTarget(value);
    if (!nameTouched) setName(suggestName(value));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsedName = HostName.safeParse(name);
    if (!parsedName.success) return setError(parsedName.error.issues[0]?.message ?? 'invalid host name');
    if (!target.trim()) return setError('Pick an ~/.ssh/config alias or type user@host.');
    const portNumber = port ? Number(port) : undefined;
    if (portNumber !== undefined && !(Number.isInteger(portNumber) && portNumber > 0 && portNumber < 65536)) {
      return setError('Port must be a number from 1 to 65535.');
    }
    setBusy(true);
    setError(null);
    try {
      // Connecting may raise a host-key or passphrase prompt; its dialog appears above this one.
      const { host } = await client().request('hosts.add', {
        name,
        target: target.trim(),
        ...(portNumber !== undefined ? { port: portNumber } : {}),
        ...(identityFile.trim() ? { identityFile: identityFile.trim() } : {}),
        ...(jump.trim() ? { jump: jump.trim() } : {}),
        ...(hostDir.trim() ? { hostDir: hostDir.trim() } : {}),
        ...(node.trim() ? { node: node.trim() } : {}),
      });
      toast('info', host.state === 'connected' ? `Connected to ${host.name}.` : `Added ${host.name} (${host.state}).`);
      close();
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Add host" onClose={busy ? undefined : close}>
      <form onSubmit={submit} className="form">
        <label>
          <span>SSH target</span>
          <input
            name="target"
            list="ssh-aliases"
            value={target}
            onChange={(event) => chooseTarget(event.target.value)}
            placeholder="alias from ~/.ssh/config, or user@host"
            autoFocus
            required
          />
        </label>
        <div className="alias-list" aria-label="Aliases from ~/.ssh/config">
          {aliases === null && !aliasError && <span className="muted">Reading ~/.ssh/config…</span>}
          {aliasError && <span className="error">Could not read ~/.ssh/config: {aliasError}</span>}
          {aliases?.length === 0 && <span className="muted">No aliases in ~/.ssh/config.</span>}
          {aliases?.map((alias) => (
            <button type="button" key={alias.alias} className={`chip${alias.alias === target ? ' is-selected' : ''}`} onClick={() => chooseTarget(alias.alias)} title={[alias.user, alias.hostName].filter(Boolean).join('@')}>
              {alias.alias}
            </button>
          ))}
        </div>
        <datalist id="ssh-aliases">
          {aliases?.map((alias) => <option key={alias.alias} value={alias.alias} />)}
        </datalist>
        <label>
          <span>Name in Flightdeck</span>
          <input
            name="name"
            value={name}
            onChange={(event) => {
              setNameTouched(true);
              setName(event.target.value);
            }}
            placeholder="build-vm-1"
            required
          />
        </label>
        <details className="advanced">
          <summary>Advanced</summary>
          <label>
            <span>Port</span>
            <input name="port" inputMode="numeric" value={port} onChange={(event) => setPort(event.target.value)} placeholder="from ssh config, or 22" />
          </label>
          <label>
            <span>Identity file</span>
            <input name="identityFile" value={identityFile} onChange={(event) => setIdentityFile(event.target.value)} placeholder="~/.ssh/id_ed25519" />
          </label>
          <label>
            <span>ProxyJump</span>
            <input name="jump" value={jump} onChange={(event) => setJump(event.target.value)} placeholder="bastion, user@jump2" />
          </label>
          <label>
            <span>Agent-host directory on the VM</span>
            <input name="hostDir" value={hostDir} onChange={(event) => setHostDir(event.target.value)} placeholder="~/.flightdeck/host" />
          </label>
          <label>
            <span>Node on the VM</span>
            <input name="node" value={node} onChange={(event) => setNode(event.target.value)} placeholder="node from the VM's PATH (Node.js 20 or newer)" />
          </label>
        </details>
        {error && <p className="form-error" role="alert">{error}</p>}
        <footer className="modal-actions">
          <button type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Connecting…' : 'Add and connect'}
          </button>
        </footer>
      </form>
    </Modal>
  );
}
