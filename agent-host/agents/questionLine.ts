import type { HumanRequestKind } from '../../common/protocol/agents';

const MAX_LINE = 300;

/** One line that says what an agent waits on, for lists and the "waiting on you" view. */
export function questionLine(kind: HumanRequestKind, input: Record<string, unknown>): string {
  const text = (() => {
    switch (kind) {
      case 'ask_human':
        return String(input.question);
      case 'escalate':
        return `escalation: ${String(input.problem)}`;
      case 'checkpoint':
        return `checkpoint: ${String(input.summary)}`;
      case 'submit_plan':
        return `plan: ${String(input.title)}`;
    }
  })();
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_LINE ? `${oneLine.slice(0, MAX_LINE - 1)}…` : oneLine;
}
