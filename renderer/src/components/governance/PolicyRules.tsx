import { describeSource, type EffectivePolicy, type RuleSource } from '../../../../common/protocol/policy';
import type { SandboxSupport } from '../../../../common/protocol/governance';
import { policySections, sourceKind } from './policyRows';

const KIND_TITLES = {
  file: 'from a policy file',
  default: "the closed default: no file says otherwise",
  'built-in': "Flightdeck's own rule, always on",
  runtime: 'added by the host when an agent starts',
} as const;

export function SourceTag({ source }: { source: RuleSource }) {
  const kind = sourceKind(source);
  return (
    <span className={`gov-source source-${kind}`} title={KIND_TITLES[kind]}>
      {describeSource(source)}
    </span>
  );
}

/** Whether the host can sandbox agents at all: what makes the sandbox rule real. */
export function SandboxSupportNote({ support }: { support: SandboxSupport }) {
  return (
    <p className={`notice ${support.available ? 'ok' : 'warn'} gov-sandbox`} data-sandbox={support.available ? 'available' : 'unavailable'}>
      <strong>{support.available ? 'Sandbox available' : 'Sandbox not available'}</strong>
      <span className="gov-sandbox-detail">{support.detail}</span>
    </p>
  );
}

/** The layers, widest first: the host's file is the ceiling, each further one may only narrow it. */
export function PolicyLayers({ layers }: { layers: EffectivePolicy['layers'] }) {
  return (
    <section className="gov-layers" aria-labelledby="policy-layers-title">
      <h2 id="policy-layers-title">Layers, widest first</h2>
      <ol>
        {layers.map((layer, index) => (
          <li key={layer.label} data-layer={index}>
            <span className="gov-layer-label">{layer.label}</span>
            {layer.present ? (
              <span className="muted">{index === 0 ? 'the ceiling' : 'narrows the layers above'}</span>
            ) : (
              <span className="muted">no file: the closed defaults apply</span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Every rule of the effective policy, section by section, each with where it comes from. Read-only. */
export function PolicyRules({ policy }: { policy: EffectivePolicy }) {
  return (
    <table className="gov-rules" aria-label="Rules of the effective policy">
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
          <th scope="col">From</th>
        </tr>
      </thead>
      {policySections(policy).map((section) => (
        <tbody key={section.id} data-section={section.id}>
          <tr className="gov-section-row">
            <th colSpan={3} scope="rowgroup">
              <span className="gov-rules-title">{section.title}</span>
              <span className="muted">{section.about}</span>
            </th>
          </tr>
          {section.rows.map((row, index) => (
            <tr key={`${row.key}-${index}`} data-key={row.key}>
              <td>
                <code>{row.key}</code>
              </td>
              <td>
                {row.source ? (
                  <span className="gov-values">
                    {row.values.map((value, at) => (
                      <code key={at} className="gov-value">
                        {value}
                      </code>
                    ))}
                  </span>
                ) : (
                  <span className="muted">{row.values.join(', ')}</span>
                )}
                {row.note && <span className="gov-note">{row.note}</span>}
              </td>
              <td>{row.source ? <SourceTag source={row.source} /> : <span className="muted">not set</span>}</td>
            </tr>
          ))}
        </tbody>
      ))}
    </table>
  );
}
