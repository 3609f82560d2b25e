import { useShallow } from 'zustand/react/shallow';
import type { ConnectionState } from '../../../../common/app/hosts';
import { useStore } from '../../store/store';
import type { ReposState } from './useHostRepos';

export interface FleetHost {
  name: string;
  state: ConnectionState;
}

/** The fleet's hosts in order with their connection state (re-rendering only when one of those changes). */
export function useFleetHosts(): FleetHost[] {
  const encoded = useStore(useShallow((state) => state.hostOrder.map((name) => `${name}\n${state.hosts[name]?.state ?? 'disconnected'}`)));
  return encoded.map((entry) => {
    const [name, state] = entry.split('\n') as [string, ConnectionState];
    return { name, state };
  });
}

/** The host asked for when the fleet has it, else the first connected one, else the first; '' for an empty fleet. */
export function pickHost(hosts: readonly FleetHost[], wanted: string | undefined): string {
  if (wanted && hosts.some((host) => host.name === wanted)) return wanted;
  return (hosts.find((host) => host.state === 'connected') ?? hosts[0])?.name ?? '';
}

/**
 * The repo chosen: the one asked for when the host has it, else its first; '' is "the built-ins alone" where that is
 * allowed (or the host has no repo). Null while the host's repos are being read.
 */
export function pickRepo(repos: ReposState, wanted: string | null, builtInsAllowed: boolean): string | null {
  if (repos.state === 'loading') return null;
  const names = repos.state === 'shown' ? repos.repos.map((repo) => repo.name) : [];
  if (wanted !== null && (names.includes(wanted) || (wanted === '' && builtInsAllowed))) return wanted;
  return names[0] ?? '';
}

const stateWords = (state: ConnectionState) => (state === 'connected' ? '' : ` (${state === 'disconnected' ? 'not connected' : state})`);

interface Props {
  hosts: readonly FleetHost[];
  host: string;
  onHost(host: string): void;
  repos: ReposState;
  repo: string | null;
  onRepo(repo: string): void;
  /** The library may list the built-ins alone; a run needs a repo. */
  builtInsAllowed: boolean;
}

/** Where runbooks come from: a host of the fleet, and one of its repos (whose own runbooks join and override the built-ins). */
export function HostRepoPicker({ hosts, host, onHost, repos, repo, onRepo, builtInsAllowed }: Props) {
  const listed = repos.state === 'shown' ? repos.repos : [];
  return (
    <>
      <label className="picker">
        <span>Host</span>
        <select name="host" value={host} onChange={(event) => onHost(event.target.value)} disabled={hosts.length === 0}>
          {hosts.map((entry) => (
            <option key={entry.name} value={entry.name}>
              {entry.name}
              {stateWords(entry.state)}
            </option>
          ))}
        </select>
      </label>
      <label className="picker">
        <span>Repo</span>
        <select name="repo" value={repo ?? ''} onChange={(event) => onRepo(event.target.value)} disabled={repos.state === 'loading'}>
          {repos.state === 'loading' && <option value="">Reading {host}'s repos…</option>}
          {repos.state !== 'loading' && builtInsAllowed && <option value="">Built-in runbooks only</option>}
          {repos.state !== 'loading' && !builtInsAllowed && listed.length === 0 && <option value="">No repo on {host}</option>}
          {listed.map((entry) => (
            <option key={entry.name} value={entry.name} title={entry.url}>
              {entry.name} ({entry.branch})
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
