import type { RunbookInfo } from '../../../../common/protocol/runbook';
import { describeType } from '../../lib/runbookForm';
import { Markdown } from '../runs/Markdown';

export function SourceTag({ runbook }: { runbook: RunbookInfo }) {
  if (runbook.source === 'built-in') return <span className="source-tag">built-in</span>;
  return <span className="source-tag is-repo">{runbook.overrides ? 'repo · overrides the built-in' : 'repo'}</span>;
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

function Parameters({ runbook }: { runbook: RunbookInfo }) {
  const parameters = Object.entries(runbook.parameters);
  if (parameters.length === 0) return <p className="muted">It takes no parameters.</p>;
  return (
    <table className="runs-table library-table">
      <thead>
        <tr>
          <th scope="col">Parameter</th>
          <th scope="col">Type</th>
          <th scope="col">Required</th>
          <th scope="col">Default</th>
          <th scope="col">Description</th>
        </tr>
      </thead>
      <tbody>
        {parameters.map(([name, parameter]) => (
          <tr key={name} data-parameter={name}>
            <th scope="row">
              <code>{name}</code>
            </th>
            <td>{describeType(parameter)}</td>
            <td>{parameter.required ? 'required' : <span className="muted">optional</span>}</td>
            <td>{parameter.default === undefined ? <span className="muted">–</span> : <code>{String(parameter.default)}</code>}</td>
            <td>{parameter.description ?? <span className="muted">–</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One runbook of the library: what it asks for, who works in it, where a person decides, and what past runs taught. */
export function RunbookDetail({ runbook }: { runbook: RunbookInfo }) {
  const { checkpoints, limits } = runbook;
  return (
    <div className="runbook-detail" data-runbook={runbook.name}>
      <p className="runbook-description">{runbook.description}</p>
      <p className="muted runbook-file">
        <code>{runbook.file}</code> · sha256 <code>{runbook.hash.slice(0, 12)}</code>
      </p>
      <section className="review-section" aria-labelledby="runbook-parameters">
        <h2 id="runbook-parameters">Parameters</h2>
        <Parameters runbook={runbook} />
      </section>
      <div className="review-columns">
        <section className="review-section" aria-labelledby="runbook-roles">
          <h2 id="runbook-roles">Roles</h2>
          <table className="runs-table library-table">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Profile</th>
                <th scope="col">Model</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(runbook.roles).map(([role, spec]) => (
                <tr key={role} data-role={role}>
                  <th scope="row">{role}</th>
                  <td>{spec.profile}</td>
                  <td>{spec.model ?? <span className="muted">the profile's</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="review-section" aria-labelledby="runbook-checkpoints">
          <h2 id="runbook-checkpoints">Checkpoints and limits</h2>
          <dl className="facts">
            <dt>After the plan</dt>
            <dd>always (nothing runs before a person approves it)</dd>
            <dt>After each phase</dt>
            <dd>{yesNo(checkpoints.after_each_phase)}</dd>
            <dt>Before merge</dt>
            <dd>{yesNo(checkpoints.before_merge)}</dd>
            <dt>Steps at once</dt>
            <dd>{limits.parallel}</dd>
            <dt>A crashed agent</dt>
            <dd>{runbook.on_agent_crash === 'restart' ? 'is restarted' : 'is escalated to a person'}</dd>
          </dl>
        </section>
      </div>
      <section className="review-section" aria-labelledby="runbook-learnings">
        <h2 id="runbook-learnings">Learnings</h2>
        {runbook.learnings ? <Markdown source={runbook.learnings} label={`Learnings of ${runbook.name}`} /> : <p className="muted">None yet: accepted retrospectives add them here.</p>}
      </section>
    </div>
  );
}
