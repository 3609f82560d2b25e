import { describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { parseAck, parseBridgeRequest, parseInput, replyFromError } from './bridgeRequests';

describe('parseBridgeRequest', () => {
  it('passes a valid request with defaults applied', () => {
    const parsed = parseBridgeRequest('terminal.attach', { host: 'vm-1', sessionId: 's-1' });
    expect(parsed).toEqual({ ok: true, method: 'terminal.attach', params: { host: 'vm-1', sessionId: 's-1', fromOffset: null, screenFirst: false } });
  });

  it('refuses unknown methods, notifications and prototype keys', () => {
    for (const method of ['nope', 'hosts.changed', '__proto__', 'constructor', 42]) {
      const parsed = parseBridgeRequest(method, {});
      expect(parsed.ok).toBe(false);
      if (!parsed.ok && !parsed.reply.ok) expect(parsed.reply.error.code).toBe(WireErrorCode.MethodNotFound);
    }
  });

  it('names what is wrong with bad params', () => {
    const parsed = parseBridgeRequest('hosts.add', { name: '../etc', target: 'x' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok && !parsed.reply.ok) {
      expect(parsed.reply.error.code).toBe(WireErrorCode.InvalidParams);
      expect(parsed.reply.error.message).toMatch(/name: host names are/);
    }
    const extra = parseBridgeRequest('hosts.list', { sneaky: true });
    expect(extra.ok).toBe(false);
  });
});

describe('terminal input and acks from the page', () => {
  it('accepts well-formed keys, bytes and offsets only', () => {
    expect(parseInput('vm~s-1', new Uint8Array([104, 105]))).not.toBeNull();
    expect(parseInput('no-tilde', new Uint8Array([1]))).toBeNull();
    expect(parseInput('vm~s-1', 'hi')).toBeNull();
    expect(parseInput('vm~s-1', new Uint8Array(0))).toBeNull();
    expect(parseInput('vm~s-1', new Uint8Array(2 * 1024 * 1024))).toBeNull();
    expect(parseAck('vm~s-1', 10)).toEqual({ key: 'vm~s-1', offset: 10 });
    for (const offset of [-1, 1.5, Number.NaN, '10', 2 ** 60]) expect(parseAck('vm~s-1', offset)).toBeNull();
  });
});

describe('replyFromError', () => {
  it('keeps wire codes and local string codes', () => {
    expect(replyFromError(new WireError(1100, 'no such session'))).toEqual({ ok: false, error: { code: 1100, message: 'no such session', data: undefined } });
    const local = Object.assign(new Error('host unknown'), { code: 'host-unknown' });
    expect(replyFromError(local)).toEqual({ ok: false, error: { code: 'host-unknown', message: 'host unknown' } });
  });
});
