import type { HostFailure } from '../../../../common/app/runs';
import { formatAgo, useNow } from '../../lib/age';

/** Hosts a fleet-wide list could not ask: why, and how old what stands in for them is. */
export function HostProblems({ failures, what }: { failures: HostFailure[]; what: 'runs' | 'items' }) {
  const now = useNow();
  if (failures.length === 0) return null;
  return (
    <ul className="host-problems" aria-label="Hosts not answering">
      {failures.map((failure) => (
        <li key={failure.host} className="notice warn" data-host-problem={failure.host}>
          <strong>{failure.host}</strong> did not answer: {failure.error}.{' '}
          {what === 'runs'
            ? failure.mirroredAt === null
              ? 'Nothing of it is cached on this machine.'
              : `Its runs are shown as mirrored ${formatAgo(now - failure.mirroredAt)} (stale).`
            : `Its items are not shown${failure.mirroredAt === null ? '' : ` (last mirrored ${formatAgo(now - failure.mirroredAt)})`}.`}
        </li>
      ))}
    </ul>
  );
}
