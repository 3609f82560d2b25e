import type { RunbookParameter } from '../../../../common/protocol/runbook';
import { describeType, fieldKind } from '../../lib/runbookForm';

export const fieldId = (name: string) => `run-param-${name}`;

interface Props {
  name: string;
  parameter: RunbookParameter;
  value: string | boolean;
  error: string | undefined;
  /** `badNumber`: the browser could not read the typed text as a number (it reports such a field as empty). */
  onChange(value: string | boolean, badNumber: boolean): void;
  autoFocus?: boolean;
}

/** One parameter of a runbook as a form control of its declared type, with its description and what is wrong with it. */
export function ParameterField({ name, parameter, value, error, onChange, autoFocus }: Props) {
  const id = fieldId(name);
  const help = parameter.description ? `${id}-help` : undefined;
  const problem = error ? `${id}-error` : undefined;
  const common = {
    id,
    name,
    autoFocus,
    'aria-invalid': error ? true : undefined,
    'aria-required': parameter.required || undefined,
    'aria-describedby': [problem, help].filter(Boolean).join(' ') || undefined,
  } as const;
  const kind = fieldKind(parameter);
  const text = typeof value === 'string' ? value : '';
  const hasDefault = parameter.default !== undefined;

  const label = (
    <>
      <code className="param-name">{name}</code>
      {parameter.required && <span className="param-required">required</span>}
      <span className="param-type">{describeType(parameter)}</span>
    </>
  );
  return (
    <div className={`param-field param-${kind}${error ? ' is-invalid' : ''}`} data-parameter={name}>
      {kind === 'checkbox' ? (
        <label className="param-check">
          <input type="checkbox" {...common} checked={value === true} onChange={(event) => onChange(event.target.checked, false)} />
          {label}
        </label>
      ) : (
        <label className="param-label" htmlFor={id}>
          {label}
        </label>
      )}
      {kind === 'text' && (
        // One line that grows with what is typed: a feature with its acceptance criteria is a paragraph.
        <textarea
          {...common}
          rows={1}
          value={text}
          placeholder={hasDefault ? `default: ${String(parameter.default)}` : undefined}
          onChange={(event) => onChange(event.target.value, false)}
        />
      )}
      {kind === 'number' && (
        <input
          {...common}
          type="number"
          step={parameter.type === 'integer' ? 1 : 'any'}
          value={text}
          placeholder={hasDefault ? `default: ${String(parameter.default)}` : undefined}
          onChange={(event) => onChange(event.target.value, event.target.validity.badInput)}
        />
      )}
      {kind === 'select' && (
        <select {...common} value={text} onChange={(event) => onChange(event.target.value, false)}>
          {(text === '' || !parameter.required) && <option value="">{parameter.required ? 'Choose…' : 'Not set'}</option>}
          {(parameter.values ?? []).map((option) => (
            <option key={option} value={option}>
              {option}
              {option === parameter.default ? ' (default)' : ''}
            </option>
          ))}
        </select>
      )}
      {error && (
        <p id={problem} className="field-error">
          {error}
        </p>
      )}
      {parameter.description && (
        <p id={help} className="param-help muted">
          {parameter.description}
        </p>
      )}
    </div>
  );
}
