import { AgentName } from '../../../common/protocol/agents';
import { AuditListParams, AuditOutcome, type AuditRecordInfo } from '../../../common/protocol/governance';

export type Outcome = (typeof AuditOutcome.options)[number];
export const OUTCOMES: readonly Outcome[] = AuditOutcome.options;

/** The filter form as typed: free text until it is applied. `since` is a datetime-local value (local time). */
export interface AuditFilterDraft {
  agent: string;
  action: string;
  outcome: Outcome | '';
  since: string;
}

export const EMPTY_DRAFT: AuditFilterDraft = { agent: '', action: '', outcome: '', since: '' };

/** The server-side part of an `audit.list` query (paging is added per request). */
export interface AuditQuery {
  agent?: string;
  action?: string;
  outcome?: Outcome;
  since?: number;
}

export type DraftProblems = Partial<Record<keyof AuditFilterDraft, string>>;

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/**
 * The draft as a query, or what is wrong with each field: checked with the wire's own schemas, so the host never
 * has to refuse a filter the form let through.
 */
export function parseAuditFilter(draft: AuditFilterDraft): { query: AuditQuery } | { problems: DraftProblems } {
  const problems: DraftProblems = {};
  const query: AuditQuery = {};
  const agent = draft.agent.trim();
  if (agent !== '') {
    const parsed = AgentName.safeParse(agent);
    if (parsed.success) query.agent = agent;
    else problems.agent = parsed.error.issues[0]?.message ?? 'not an agent name';
  }
  const action = draft.action.trim();
  if (action !== '') {
    const parsed = AuditListParams.shape.action.safeParse(action);
    if (parsed.success) query.action = action;
    else problems.action = parsed.error.issues[0]?.message ?? 'not an action';
  }
  if (draft.outcome !== '') query.outcome = draft.outcome;
  if (draft.since !== '') {
    // A datetime-local value without an offset is local time (ECMAScript date-time forms).
    const time = LOCAL_DATE_TIME.test(draft.since) ? new Date(draft.since).getTime() : Number.NaN;
    if (Number.isNaN(time)) problems.since = 'a date and time like 2025-05-01 14:30';
    else query.since = time;
  }
  return Object.keys(problems).length > 0 ? { problems } : { query };
}

/** How many filters a query applies: what "Clear filters" would undo. */
export function activeFilters(query: AuditQuery): number {
  return Object.values(query).filter((value) => value !== undefined).length;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `2025-05-01 14:03:22`, local time: exact and sortable, as an audit trail wants. */
export function formatAuditTime(ms: number): string {
  const at = new Date(ms);
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** The value a datetime-local input shows for `ms` (to the minute), e.g. a preset "since an hour ago". */
export function localDateTimeValue(ms: number): string {
  return formatAuditTime(ms).slice(0, 16).replace(' ', 'T');
}

/**
 * The rule that decided a record, as the host writes it in `data.rule` (the tool gate's `commands.deny git push *`,
 * the egress proxy's `egress.allow … (source)`, the MCP gateway's `mcp.servers.<s>.tools.deny:<p>`); null when the
 * record names none (an endpoint or identity refusal says why in `reason` alone).
 */
export function decidingRule(record: Pick<AuditRecordInfo, 'data'>): string | null {
  const rule = record.data.rule;
  return typeof rule === 'string' && rule.trim() !== '' ? rule : null;
}

export const isDenied = (record: Pick<AuditRecordInfo, 'outcome'>): boolean => record.outcome === 'denied';

/** The first characters of a hash: enough to tell records apart at a glance. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/** A page (oldest first, as the host sends it) shown newest first. */
export function newestFirst(page: readonly AuditRecordInfo[]): AuditRecordInfo[] {
  return [...page].reverse();
}

/** Older records go below what is shown; a record already there (a page crossing a refresh) is not shown twice. */
export function withOlder(shown: readonly AuditRecordInfo[], page: readonly AuditRecordInfo[]): AuditRecordInfo[] {
  const oldest = shown.at(-1)?.seq ?? Number.POSITIVE_INFINITY;
  return [...shown, ...newestFirst(page.filter((record) => record.seq < oldest))];
}

/** Newer records (a refresh's page, oldest first) go on top. */
export function withNewer(shown: readonly AuditRecordInfo[], page: readonly AuditRecordInfo[]): AuditRecordInfo[] {
  const newest = shown[0]?.seq ?? 0;
  return [...newestFirst(page.filter((record) => record.seq > newest)), ...shown];
}
