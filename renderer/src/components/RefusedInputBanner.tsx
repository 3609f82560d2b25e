import type { RefusedInput } from '../terminal/controller';

/** Says that keys typed during a reconnect were dropped, not sent blind, so the human types them again. */
export function RefusedInputBanner({ refused }: { refused: RefusedInput | null }) {
  if (!refused) return null;
  return (
    <div className="pane-banner warn" role="alert" data-banner="input-refused">
      {refused.bytes} bytes typed while reconnecting were not sent: {refused.reason}
    </div>
  );
}
