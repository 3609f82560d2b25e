import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { RunItemOrigin } from './runItems';

/** What a person may choose when the coordinator escalates: the options shown, and what each one does. */
export type Resolution = 'rework' | 'retry-start' | 'restart' | 'merge-committed' | 'merge-anyway' | 'skip' | 'cancel';

const SKIP = { kind: 'skip', text: 'Skip this step (the steps after it go on without it)' } as const;
const CANCEL = { kind: 'cancel', text: 'Cancel the run' } as const;

export const RESOLUTIONS = {
  'merge-conflict': [{ kind: 'rework', text: 'Send it back to its agent to merge the integration branch and resolve the conflicts' }, SKIP, CANCEL],
  uncommitted: [
    { kind: 'rework', text: 'Send it back to its agent to commit its changes' },
    { kind: 'merge-committed', text: 'Merge only what is committed' },
    SKIP,
    CANCEL,
  ],
  'agent-ended': [{ kind: 'restart', text: "Restart the step's agent (it continues its conversation)" }, SKIP, CANCEL],
  'start-failed': [{ kind: 'retry-start', text: 'Try starting the step again' }, SKIP, CANCEL],
  'tests-failed': [
    { kind: 'rework', text: 'Send it back to its agent to make the tests pass' },
    { kind: 'merge-anyway', text: 'Merge it anyway' },
    SKIP,
    CANCEL,
  ],
} as const satisfies Partial<Record<RunItemOrigin, readonly { kind: Resolution; text: string }[]>>;

export type EscalationOrigin = keyof typeof RESOLUTIONS;

export const resolutionTexts = (origin: EscalationOrigin): string[] => RESOLUTIONS[origin].map((resolution) => resolution.text);

/** The resolution a person chose for an escalation: by its number (1-based) or the start of its text. */
export function chosenResolution(origin: EscalationOrigin, decision: string, text: string | undefined): { kind: Resolution; text: string } {
  const options = RESOLUTIONS[origin];
  const list = options.map((option, index) => `${index + 1}. ${option.text}`).join('; ');
  if (decision !== 'answer' || !text?.trim()) throw new WireError(WireErrorCode.InvalidParams, `answer with one of the resolutions: ${list}`);
  const trimmed = text.trim();
  const number = /^\d+$/.test(trimmed) ? Number(trimmed) - 1 : -1;
  const chosen = options[number] ?? options.find((option) => option.text.toLowerCase().startsWith(trimmed.toLowerCase()));
  if (!chosen) throw new WireError(WireErrorCode.InvalidParams, `"${trimmed}" is none of the resolutions: ${list}`);
  return chosen;
}
