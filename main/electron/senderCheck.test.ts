import { describe, expect, it } from 'vitest';
import { isAllowedNavigation, isExternalWebLink, isTrustedSender } from './senderCheck';

const FILE_APP = 'file:///opt/Flightdeck/resources/app.asar/out/renderer/index.html';
const DEV_APP = 'http://localhost:5173/';

describe('isTrustedSender', () => {
  it('accepts the app page in the top frame', () => {
    expect(isTrustedSender({ url: FILE_APP, parent: null }, FILE_APP)).toBe(true);
    expect(isTrustedSender({ url: `${FILE_APP}#/x`, parent: null }, FILE_APP)).toBe(true);
    expect(isTrustedSender({ url: 'http://localhost:5173/index.html', parent: null }, DEV_APP)).toBe(true);
  });

  it('refuses subframes, other files, other origins and junk', () => {
    expect(isTrustedSender({ url: FILE_APP, parent: {} }, FILE_APP)).toBe(false);
    expect(isTrustedSender({ url: 'file:///tmp/evil.html', parent: null }, FILE_APP)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null }, FILE_APP)).toBe(false);
    expect(isTrustedSender({ url: 'http://localhost:5174/', parent: null }, DEV_APP)).toBe(false);
    expect(isTrustedSender({ url: 'not a url', parent: null }, FILE_APP)).toBe(false);
    expect(isTrustedSender(null, FILE_APP)).toBe(false);
  });

  it('allows navigation only to the app itself', () => {
    expect(isAllowedNavigation(FILE_APP, FILE_APP)).toBe(true);
    expect(isAllowedNavigation('https://example.com/', FILE_APP)).toBe(false);
  });

  it('opens only http(s) links externally', () => {
    expect(isExternalWebLink('https://github.com/org/repo/pull/1')).toBe(true);
    expect(isExternalWebLink('file:///etc/passwd')).toBe(false);
    expect(isExternalWebLink('javascript:alert(1)')).toBe(false);
    expect(isExternalWebLink('smb://share/x')).toBe(false);
  });
});
