/** Bumped on any incompatible change to frames or methods; the handshake compares it exactly. */
export const PROTOCOL_VERSION = 1;
