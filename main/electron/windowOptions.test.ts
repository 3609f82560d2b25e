import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, securityHeaders } from './csp';
import { createMainWindow, type WindowOptions } from './windowOptions';

/** Stands where Electron's BrowserWindow goes, keeping what the app would construct it with. */
class ConstructedWith {
  constructor(readonly options: WindowOptions) {}
}

const ROOT = join(import.meta.dirname, '../..');

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('BrowserWindow webPreferences', () => {
  it('isolates the page from Node and Electron', () => {
    const prefs = createMainWindow(ConstructedWith, '/app/out/preload/index.cjs').options.webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(prefs.disableBlinkFeatures).toBe('Auxclick');
    expect(prefs.preload).toBe('/app/out/preload/index.cjs');
  });

  it('loads a CommonJS preload (the only kind a sandboxed preload can be)', () => {
    expect(createMainWindow(ConstructedWith, '/x/out/preload/index.cjs').options.show).toBe(false);
    const config = readFileSync(join(ROOT, 'electron.vite.config.ts'), 'utf8');
    expect(config).toMatch(/format: 'cjs', entryFileNames: '\[name\]\.cjs'/);
  });
});

describe('Content-Security-Policy', () => {
  it('allows scripts from the app only, no objects, no framing, no base rewriting', () => {
    const policy = directives(contentSecurityPolicy());
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    // 'unsafe-inline' is for styles only (xterm injects <style>); never for scripts, never eval.
    expect(contentSecurityPolicy()).not.toMatch(/script-src[^;]*unsafe/);
    expect(contentSecurityPolicy()).not.toMatch(/unsafe-eval/);
  });

  it('opens connect-src to the core socket only in browser mode', () => {
    const policy = directives(contentSecurityPolicy({ webSocketOrigin: 'ws://127.0.0.1:4000' }));
    expect(policy.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:4000']);
  });

  it('is the same policy in renderer/index.html (minus frame-ancestors, which <meta> cannot carry)', () => {
    const html = readFileSync(join(ROOT, 'renderer/index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(contentSecurityPolicy({ forMeta: true }));
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline scripts the policy would have to allow
  });

  it('goes out with the other hardening headers', () => {
    const headers = securityHeaders();
    expect(headers['Content-Security-Policy']).toBe(contentSecurityPolicy());
    expect(headers['X-Frame-Options']).toBe('DENY');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });
});
