import { z } from 'zod';
import { InboxDetail, InboxEvent, InboxItem, PlanVersionInfo, RunInfo, RunPrompt } from '../protocol/runs';
import { HostName } from './hosts';

/** When a host could not be asked: its runs as this app last mirrored them (FleetCore's cache), and since when. */
export const Stale = z.object({ mirroredAt: z.number(), error: z.string() });
export type Stale = z.infer<typeof Stale>;

/** A run of a host; `stale` when the host did not answer and the run comes from the cache. */
export const RunEntry = z.object({ host: HostName, run: RunInfo, stale: Stale.nullable() });
export type RunEntry = z.infer<typeof RunEntry>;

/** A host a fleet-wide list could not ask; `mirroredAt` says how old its cached copy is (null: nothing cached). */
export const HostFailure = z.object({ host: HostName, error: z.string(), mirroredAt: z.number().nullable() });
export type HostFailure = z.infer<typeof HostFailure>;

/** An inbox item of one host of the fleet. */
export const InboxEntry = InboxItem.extend({ host: HostName });
export type InboxEntry = z.infer<typeof InboxEntry>;

export const RunRef = z.object({ host: HostName, run: RunInfo.shape.id });

export const RunDetail = z.object({
  host: HostName,
  run: RunInfo,
  plans: z.array(PlanVersionInfo),
  prompts: z.array(RunPrompt),
  stale: Stale.nullable(),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const InboxShown = z.object({
  host: HostName,
  item: InboxItem,
  detail: InboxDetail,
  /** A run checkpoint that touches protected paths: the people who approved it so far (two are needed). */
  approvals: z.array(z.string()).nullable(),
});
export type InboxShown = z.infer<typeof InboxShown>;

export const RunsEventParams = z.object({ host: HostName, run: RunInfo });
export const InboxEventParams = z.object({ host: HostName, event: InboxEvent });
