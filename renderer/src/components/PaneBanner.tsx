import type { HostView } from '../../../common/app/hosts';
import type { SessionInfo } from '../../../common/protocol/session';
import type { StreamState } from '../terminal/controller';
import { Countdown } from './Countdown';

interface Props {
  host: HostView | undefined;
  session: SessionInfo | undefined;
  stream: StreamState;
  onRetry(): void;
}

/** One line above the terminal that says why it is not live; nothing when it is. */
export function PaneBanner({ host, session, stream, onRetry }: Props) {
  if (!host) return <div className="pane-banner error">This host was removed.</div>;
  if (host.state === 'reconnecting') {
    return (
      <div className="pane-banner warn" role="status" data-banner="reconnecting">
        Connection to {host.name} lost — reconnecting {host.retryAt !== null ? <Countdown at={host.retryAt} /> : '…'}. The
        agent keeps running; the screen resumes exactly where it was.
      </div>
    );
  }
  if (host.state === 'failed' || host.state === 'disconnected') {
    return (
      <div className="pane-banner error" role="alert" data-banner="failed">
        {host.name} is {host.state}
        {host.error ? `: ${host.error}` : '.'}
      </div>
    );
  }
  if (host.state === 'connecting') return <div className="pane-banner warn">Connecting to {host.name}…</div>;
  if (stream.phase === 'attaching') return <div className="pane-banner info">Attaching…</div>;
  if (stream.phase === 'resuming') {
    return (
      <div className="pane-banner info" role="status" data-banner="resuming">
        Back on {host.name} — resuming the stream where it stopped; what you type is sent only if the screen has not changed meanwhile.
      </div>
    );
  }
  if (stream.phase === 'failed') {
    return (
      <div className="pane-banner error" role="alert">
        Could not attach: {stream.reason}{' '}
        <button type="button" className="link" onClick={onRetry}>
          Retry
        </button>
      </div>
    );
  }
  if (session?.status === 'exited' || session?.status === 'interrupted') {
    const how =
      session.status === 'interrupted'
        ? 'was interrupted (the host daemon restarted)'
        : session.exitSignal
          ? `ended by ${session.exitSignal}`
          : `exited with code ${session.exitCode ?? '?'}`;
    return <div className="pane-banner muted">Session {how}. Output stays readable.</div>;
  }
  if (session && !session.inputAllowed) return <div className="pane-banner muted">Read-only: this session does not accept input.</div>;
  return null;
}
