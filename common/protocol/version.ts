/** Bumped on any incompatible change to frames or methods; the handshake compares it exactly. */
// 2: streams (several views of one session per connection), RPC_PART and REPLY frames, audit anchors.
export const PROTOCOL_VERSION = 2;
