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
  auditAppends: number;
  auditVerifyRecords: number;
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
  auditAppends: 20_000,
  auditVerifyRecords: 1_000_000,
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
  auditAppends: 2_000,
  auditVerifyRecords: 20_000,
};

export interface BenchContext {
  sshd: Sshd;
  /** Scratch directory, removed at the end. */
  dir: string;
  sizes: BenchSizes;
  quick: boolean;
  log(line: string): void;
}
