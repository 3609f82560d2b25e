/** The daemon's own version; the bridge and `--version` print it, host.hello reports it. */
export const HOST_VERSION = '0.1.0';
