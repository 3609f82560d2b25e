import type { ConnectionState } from '../../../common/app/hosts';

const TITLES: Record<ConnectionState, string> = {
  connected: 'Connected',
  connecting: 'Connecting…',
  reconnecting: 'Connection lost, reconnecting',
  failed: 'Connection failed',
  disconnected: 'Disconnected',
};

export function ConnectionDot({ state }: { state: ConnectionState }) {
  return <span className={`dot dot-${state}`} role="img" title={TITLES[state]} aria-label={TITLES[state]} />;
}
