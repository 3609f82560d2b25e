import { describe, expect, it } from 'vitest';
import { encodeInputFrame, encodeRpcFrame } from '../../common/wire/frame';
import { BaseTransport } from '../../common/wire/transport';
import { bridgeClaimFrame } from './bridgeClaim';
import { ClaimGate } from './claimGate';

/** A socket the test feeds by hand. */
class FedTransport extends BaseTransport {
  write(): boolean {
    return true;
  }
  protected shutdown(): void {}
  feed(bytes: Uint8Array): void {
    this.deliver(bytes);
  }
}

function gated(accept = true) {
  const socket = new FedTransport();
  const claims: unknown[] = [];
  const gate = new ClaimGate(socket, 1024, (params) => {
    claims.push(params);
    return accept;
  });
  const passed: number[] = [];
  gate.onData((bytes) => passed.push(...bytes));
  return { socket, gate, claims, passed };
}

const hello = encodeRpcFrame({ jsonrpc: '2.0', id: 1, method: 'host.hello', params: {} });
const join = (...parts: Uint8Array[]) => Buffer.concat(parts);

describe('the claim gate', () => {
  it('takes the claim out of the first frame, even cut byte by byte, and passes the rest on', () => {
    const { socket, claims, passed } = gated();
    for (const byte of join(bridgeClaimFrame('alice'), hello.subarray(0, 3))) socket.feed(Uint8Array.of(byte));
    expect(claims).toEqual([{ as: 'alice' }]);
    socket.feed(hello.subarray(3));
    expect(passed).toEqual([...hello]);
  });

  it('passes a first frame that is not a claim, and everything after it, untouched', () => {
    const { socket, claims, passed } = gated();
    const input = encodeInputFrame('s1', Uint8Array.of(1, 2, 3));
    socket.feed(join(hello, bridgeClaimFrame('bob'), input));
    expect(claims).toEqual([]);
    expect(passed).toEqual([...hello, ...bridgeClaimFrame('bob'), ...input]);
  });

  it('lets the peer see a length it refuses, and drops everything after a refused claim', () => {
    const oversized = gated();
    const huge = Uint8Array.of(0, 0, 0x10, 0, 1);
    oversized.socket.feed(huge);
    expect(oversized.passed).toEqual([...huge]);
    const refused = gated(false);
    refused.socket.feed(join(bridgeClaimFrame('carol'), hello));
    refused.socket.feed(hello);
    expect(refused.claims).toEqual([{ as: 'carol' }]);
    expect(refused.passed).toEqual([]);
  });

  it('the bridge refuses to claim a name no one can have', () => {
    expect(() => bridgeClaimFrame('Alice Smith')).toThrow('--as "Alice Smith" is not a name');
    expect(JSON.parse(Buffer.from(bridgeClaimFrame(undefined).subarray(5)).toString())).toEqual({
      jsonrpc: '2.0',
      method: 'bridge.identity',
      params: { as: null },
    });
  });
});
