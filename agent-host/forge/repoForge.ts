import type { ForgeProvider } from './forge';
import { forgeFor, loadForges } from './forgeConfig';
import { githubProvider } from './github';

/** The provider for a repo's pull requests, or why its remote is a plain git remote. */
export type RepoForge = { provider: ForgeProvider; reason: null } | { provider: null; reason: string };

/**
 * The forge of a remote URL as `<state-dir>/forges.yaml` says now (read each time: an admin's edit applies without a
 * restart). Throws ForgeConfigError when forges.yaml or the token file cannot be used.
 */
export function repoForge(stateDir: string, remoteUrl: string): RepoForge {
  const match = forgeFor(loadForges(stateDir), remoteUrl);
  if (match.forge === null) return { provider: null, reason: match.reason };
  return { provider: githubProvider(match), reason: null };
}
