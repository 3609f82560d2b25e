import { Icon } from '../Icon';
import { askNotificationPermission, setNotificationsMuted, useNotificationSettings } from '../../lib/inboxNotifications';
import { notificationOffer } from '../../lib/notifications';

/** The inbox header's say over desktop notifications of new items: turn them on (asks the browser), mute, unmute. */
export function NotificationControl() {
  const { permission, muted } = useNotificationSettings();
  switch (notificationOffer(permission, muted)) {
    case 'none':
      return null;
    case 'ask':
      return (
        <button type="button" className="ghost-button notify-toggle" onClick={() => void askNotificationPermission()}>
          <Icon name="bell" /> Notify me of new items
        </button>
      );
    case 'blocked':
      return (
        <span className="muted notify-toggle" title="Allow notifications for this page in the browser's site settings to get them.">
          <Icon name="bellOff" /> Notifications blocked by the browser
        </span>
      );
    case 'on':
    case 'muted':
      return (
        <button
          type="button"
          className="ghost-button notify-toggle"
          aria-pressed={!muted}
          title={muted ? 'Muted: new items show here only' : 'On: a desktop notification when a new item arrives'}
          onClick={() => setNotificationsMuted(!muted)}
        >
          <Icon name={muted ? 'bellOff' : 'bell'} /> Notifications
        </button>
      );
  }
}
