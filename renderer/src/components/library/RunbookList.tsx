import type { Ref } from 'react';
import type { RunbookInfo } from '../../../../common/protocol/runbook';
import { SourceTag } from './RunbookDetail';

export const runbookRowId = (name: string) => `runbook-${name}`;

function summary(runbook: RunbookInfo): string {
  const parameters = Object.values(runbook.parameters);
  const required = parameters.filter((parameter) => parameter.required).length;
  const counted = parameters.length === 0 ? 'no parameters' : `${parameters.length} parameter${parameters.length === 1 ? '' : 's'}${required ? ` (${required} required)` : ''}`;
  return `${counted} · roles ${Object.keys(runbook.roles).join(', ')}`;
}

interface Props {
  runbooks: readonly RunbookInfo[];
  selected: string | undefined;
  onSelect(name: string): void;
  onOpen(name: string): void;
  ref?: Ref<HTMLUListElement>;
}

/** The library as a list driven from the keyboard (the view moves the cursor); a click opens a runbook. */
export function RunbookList({ runbooks, selected, onSelect, onOpen, ref }: Props) {
  return (
    <ul
      ref={ref}
      className="inbox-list runbook-list"
      role="listbox"
      tabIndex={0}
      aria-label="Runbooks"
      aria-activedescendant={selected ? runbookRowId(selected) : undefined}
    >
      {runbooks.map((runbook) => (
        <li
          key={runbook.name}
          id={runbookRowId(runbook.name)}
          role="option"
          aria-selected={runbook.name === selected}
          className={`runbook-row${runbook.name === selected ? ' is-selected' : ''}`}
          data-runbook={runbook.name}
          onMouseDown={() => onSelect(runbook.name)}
          onClick={() => onOpen(runbook.name)}
        >
          <span className="runbook-name">
            {runbook.name}
            <span className="muted">@{runbook.version}</span>
          </span>
          <SourceTag runbook={runbook} />
          <span className="runbook-summary">{runbook.description}</span>
          <span className="runbook-meta">{summary(runbook)}</span>
        </li>
      ))}
    </ul>
  );
}
