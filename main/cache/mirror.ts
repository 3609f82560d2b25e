import { createHash } from 'node:crypto';
import { walkChain, type ChainTip } from '../../common/audit/chain';
import type { HelloResult, HostProtocol } from '../../common/protocol/methods';
import type { RunState } from '../../common/protocol/runs';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { RpcPeer } from '../../common/wire/peer';
import { identityChanged } from '../fleet/auditAnchors';
import type { Store } from '../store/store';
import type { ContextCache, MirrorState } from './contextCache';

export const DEFAULT_PAGE_SIZE = 1000;

/** A run in one of these states changes no more once its updatedAt is unchanged; any other may have new decisions. */
const SETTLED: ReadonlySet<RunState> = new Set(['done', 'failed', 'cancelled']);

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export interface MirrorSummary {
  auditAdded: number;
  /** The newest record the cache holds of the host now. */
  auditHead: number;
  runsUpdated: number;
  /** Why runs were not mirrored (the agent-host keeps none, or predates run records); null when they were. */
  runsSkipped: string | null;
  /** Sticky until accepted: while raised, the host's audit is not mirrored any further. */
  alarm: string | null;
}

/** One host of `mirrorAll`: its summary, or why it could not be reached and how old its cached copy is. */
export type MirrorOutcome =
  | ({ host: string } & MirrorSummary)
  | { host: string; error: string; cachedAt: number | null; ageMs: number | null };

export interface MirrorOptions {
  /** Records per audit.list page (each page is one transaction); default 1000. */
  pageSize?: number;
  /** An alarm raised elsewhere (the connect's anchor check): mirroring a chain under suspicion would take in its forgery. */
  alarm?: string | null;
}

interface Divergence {
  alarm: string;
  firstBadSeq: number | null;
}

/**
 * Brings the cache up to date with one connected host: checks the host still holds the chain the cache holds (same
 * agent-host, same record at the cursor), pages the audit chain in from the cursor checking every link, then
 * refreshes the run records. Safe to interrupt anywhere: each page lands whole with its cursor, or not at all.
 */
export async function mirrorHost(
  cache: ContextCache,
  host: string,
  hello: HelloResult,
  peer: RpcPeer<HostProtocol>,
  options: MirrorOptions = {},
): Promise<MirrorSummary> {
  const audit = await mirrorAudit(cache, host, hello, peer, options);
  const runs = await mirrorRuns(cache, host, hello, peer);
  cache.markMirrored(host);
  return { ...audit, auditHead: cache.mirrorState(host)!.cursor.seq, ...runs };
}

async function mirrorAudit(
  cache: ContextCache,
  host: string,
  hello: HelloResult,
  peer: RpcPeer<HostProtocol>,
  options: MirrorOptions,
): Promise<{ auditAdded: number; alarm: string | null }> {
  const start = cache.beginMirror(host, hello.hostId);
  if (start.alarm) return { auditAdded: 0, alarm: start.alarm };
  const divergence = (await diverged(cache, start, hello, peer)) ?? (options.alarm ? { alarm: options.alarm, firstBadSeq: null } : null);
  if (divergence) return { auditAdded: 0, alarm: raise(cache, host, divergence) };
  let auditAdded = 0;
  for (;;) {
    const state = cache.mirrorState(host);
    if (!state) throw new Error(`${host} was removed while its audit was mirrored`);
    if (state.alarm) return { auditAdded, alarm: state.alarm };
    const page = await peer.request('audit.list', { after: state.cursor.seq, limit: options.pageSize ?? DEFAULT_PAGE_SIZE });
    const walk = walkChain(page.records, sha256, state.cursor);
    const linked = walk.ok ? page.records : page.records.slice(0, walk.records - 1);
    // Another process sharing the cache file moved the cursor meanwhile: read it again.
    if (!cache.appendAudit(host, state.cursor, linked)) continue;
    auditAdded += linked.length;
    if (!walk.ok) {
      const alarm = `the audit chain of ${host} does not continue the copy mirrored here: ${walk.problem}`;
      return { auditAdded, alarm: raise(cache, host, { alarm, firstBadSeq: walk.firstBadSeq }) };
    }
    if (!page.more || linked.length === 0) return { auditAdded, alarm: null };
  }
}

/** Whether the host still holds the chain the cache holds of it; the alarm when it does not. */
async function diverged(cache: ContextCache, state: MirrorState, hello: HelloResult, peer: RpcPeer<HostProtocol>): Promise<Divergence | null> {
  if (state.hostId !== hello.hostId) {
    // Nothing mirrored yet, nothing lost: follow the new agent-host.
    if (state.cursor.seq === 0) {
      cache.adoptHostId(state.host, hello.hostId);
      return null;
    }
    const seen = { hostId: state.hostId, seq: state.cursor.seq, hash: state.cursor.hash, seenAt: state.mirroredAt ?? 0, alarm: null };
    return { alarm: identityChanged(state.host, seen, hello.hostId), firstBadSeq: 1 };
  }
  const first = await firstDifference(cache, state.host, state.cursor, peer);
  if (!first) return null;
  const alarm = first.hostHash
    ? `audit record ${first.seq} of ${state.host} is not the one mirrored here (hash ${first.hostHash.slice(0, 12)}… instead of ` +
      `${first.cachedHash.slice(0, 12)}…): the chain was rewritten from record ${first.seq} on`
    : `${state.host} no longer holds audit record ${first.seq}, mirrored here before: its chain was cut`;
  return { alarm, firstBadSeq: first.seq };
}

/**
 * The first cached record the host no longer holds as it was, or null when it still holds the newest. Each hash
 * covers the one before, so once a record differs every later one does: a binary search over audit.hashAt finds it.
 */
async function firstDifference(
  cache: ContextCache,
  host: string,
  cursor: ChainTip,
  peer: RpcPeer<HostProtocol>,
): Promise<{ seq: number; hostHash: string | null; cachedHash: string } | null> {
  if (cursor.seq === 0) return null;
  const hostHashAt = async (seq: number): Promise<string | null> => (await peer.request('audit.hashAt', { seq })).hash;
  let hostHash = await hostHashAt(cursor.seq);
  if (hostHash === cursor.hash) return null;
  let agrees = 0;
  let differs = cursor.seq;
  while (differs - agrees > 1) {
    const middle = Math.floor((agrees + differs) / 2);
    const hash = await hostHashAt(middle);
    if (hash === cache.hashAt(host, middle)) agrees = middle;
    else [differs, hostHash] = [middle, hash];
  }
  return { seq: differs, hostHash, cachedHash: cache.hashAt(host, differs)! };
}

/** Raises the alarm in the cache; the first one raised stays, and is returned. */
function raise(cache: ContextCache, host: string, divergence: Divergence): string {
  cache.raiseAlarm(host, divergence.alarm, divergence.firstBadSeq);
  return cache.mirrorState(host)?.alarm ?? divergence.alarm;
}

async function mirrorRuns(
  cache: ContextCache,
  host: string,
  hello: HelloResult,
  peer: RpcPeer<HostProtocol>,
): Promise<{ runsUpdated: number; runsSkipped: string | null }> {
  if (!hello.capabilities.includes('runs')) return { runsUpdated: 0, runsSkipped: `agent-host ${hello.hostVersion} on ${host} keeps no runs` };
  const { runs } = await peer.request('run.list', {});
  let runsUpdated = 0;
  for (const run of runs) {
    const cached = cache.runVersion(host, run.id);
    if (cached && cached.updatedAt === run.updatedAt && SETTLED.has(cached.state)) continue;
    try {
      const { record } = await peer.request('run.record', { run: run.id });
      if (cache.putRun(host, record)) runsUpdated++;
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      if (error.code === WireErrorCode.MethodNotFound) {
        return { runsUpdated, runsSkipped: `agent-host ${hello.hostVersion} on ${host} predates run records: upgrade it (flightdeck host upgrade ${host})` };
      }
      // Gone since the list: the cache keeps what it had.
      if (error.code !== WireErrorCode.RunNotFound) throw error;
    }
  }
  return { runsUpdated, runsSkipped: null };
}

/** The acceptance (`audit verify --accept`) reaches the cache: what the host no longer agrees on moves to the archive. */
export async function acceptHostChain(
  cache: ContextCache,
  host: string,
  hello: HelloResult,
  peer: RpcPeer<HostProtocol>,
): Promise<{ archived: number }> {
  const state = cache.mirrorState(host);
  if (!state) return { archived: 0 };
  const fromSeq = state.hostId !== hello.hostId ? 1 : ((await firstDifference(cache, host, state.cursor, peer))?.seq ?? null);
  return cache.acceptChain(host, hello.hostId, fromSeq);
}

/**
 * Shows a mirror's alarm where the connect's anchor check shows its own: on the store's anchor (sticky across
 * connects and processes, cleared by the acceptance) and so on the host view. An alarm already there stays: it is
 * the first evidence. Returns the alarm the host shows.
 */
export function shareAlarm(store: Store, cache: ContextCache, host: string, alarm: string): string {
  const anchor = store.auditAnchor(host);
  if (anchor?.alarm) return anchor.alarm;
  const state = cache.mirrorState(host);
  if (!anchor && state) store.saveAuditAnchor(host, state.hostId, state.cursor);
  store.raiseAuditAlarm(host, alarm);
  return store.auditAnchor(host)?.alarm ?? alarm;
}
