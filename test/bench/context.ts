import type { Sshd } from '../harness/sshd';

export interface BenchSizes {
  throughputBytes: number;
  throughputRounds: number;
  echoTrips: number;
  echoRounds: number;
  historyLines: number;
  attachRounds: number;
  scaleHosts: number;
  scaleSessionsPerHost: number;
  scaleWindowMs: number;
  /** Scale curve: sessions on one daemon at each point (idle, then printing), hosts at each point and sessions per host. */
  scaleCurveSessions: number[];
  scaleCurveHosts: number[];
  scaleCurveSessionsPerHost: number;
  scaleCurveWindowMs: number;
  auditAppends: number;
  auditVerifyRecords: number;
  /** Bytes each way per egress run (after a warm-up transfer of up to 16 MiB). */
  egressBytes: number;
  /** The same through an origin paced to 1 Gbit/s. */
  egressLinkBytes: number;
  egressRounds: number;
  /** tools/call per lane per MCP gateway run. */
  mcpCalls: number;
  mcpRounds: number;
  /** Hook processes per run (after one warm-up). */
  hookSpawns: number;
  hookRounds: number;
  /** Concurrent agents, one contender each (in the daemon, and through endpoints). */
  auditAgents: number[];
  /** Appends per in-daemon run, all agents together. */
  auditConcurrentAppends: number;
  /** How long the agent processes send tool.decide per endpoint run. */
  auditWindowMs: number;
  auditRounds: number;
}

export const FULL_SIZES: BenchSizes = {
  throughputBytes: 200_000_000,
  throughputRounds: 3,
  echoTrips: 1000,
  echoRounds: 3,
  historyLines: 50_000,
  attachRounds: 5,
  scaleHosts: 10,
  scaleSessionsPerHost: 50,
  scaleWindowMs: 15_000,
  scaleCurveSessions: [10, 100, 500],
  scaleCurveHosts: [1, 10, 50],
  scaleCurveSessionsPerHost: 4,
  scaleCurveWindowMs: 4_000,
  auditAppends: 20_000,
  auditVerifyRecords: 1_000_000,
  egressBytes: 512 * 1024 * 1024,
  egressLinkBytes: 256 * 1024 * 1024,
  egressRounds: 3,
  mcpCalls: 1000,
  mcpRounds: 3,
  hookSpawns: 25,
  hookRounds: 2,
  auditAgents: [1, 4, 16],
  auditConcurrentAppends: 20_000,
  auditWindowMs: 3_000,
  auditRounds: 2,
};

/** BENCH_QUICK=1: a smoke run of every path in well under a minute; the figures are not the benchmark. */
export const QUICK_SIZES: BenchSizes = {
  throughputBytes: 10_000_000,
  throughputRounds: 2,
  echoTrips: 200,
  echoRounds: 2,
  historyLines: 50_000,
  attachRounds: 2,
  scaleHosts: 2,
  scaleSessionsPerHost: 5,
  scaleWindowMs: 3_000,
  scaleCurveSessions: [2, 5, 10],
  scaleCurveHosts: [1, 2, 3],
  scaleCurveSessionsPerHost: 2,
  scaleCurveWindowMs: 1_500,
  auditAppends: 2_000,
  auditVerifyRecords: 20_000,
  egressBytes: 16 * 1024 * 1024,
  egressLinkBytes: 8 * 1024 * 1024,
  egressRounds: 1,
  mcpCalls: 100,
  mcpRounds: 1,
  hookSpawns: 5,
  hookRounds: 1,
  auditAgents: [1, 4],
  auditConcurrentAppends: 2_000,
  auditWindowMs: 500,
  auditRounds: 1,
};

export interface BenchContext {
  sshd: Sshd;
  /** Scratch directory, removed at the end. */
  dir: string;
  sizes: BenchSizes;
  quick: boolean;
  log(line: string): void;
}
