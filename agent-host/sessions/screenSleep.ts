/**
 * Output quiet this long puts the screen to sleep: serialized once, stored as the last screen, its terminal let go.
 * A headless terminal with a full scrollback holds about 2 MB; the serialized screen about a tenth of it, and a steady
 * printer never sleeps, so never pays a serialize.
 */
export const SLEEP_AFTER_QUIET_MS = 5000;
