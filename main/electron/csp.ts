/**
 * The page's Content-Security-Policy, one source for the Electron header, the browser-mode header
 * and the <meta> in renderer/index.html (a unit test keeps the three equal).
 *
 * style-src carries 'unsafe-inline' on purpose: xterm.js injects <style> elements for its renderers
 * and theme at runtime and offers no nonce hook. Styles cannot run code; scripts stay 'self' only.
 */
export interface CspOptions {
  /** Browser mode: the exact ws:// origin of the core's socket. 'self' already covers it in CSP3, this is for older engines. */
  webSocketOrigin?: string;
  /** <meta> policies cannot carry frame-ancestors (browsers ignore it there and warn). */
  forMeta?: boolean;
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', ["'self'", ...(options.webSocketOrigin ? [options.webSocketOrigin] : [])]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ...(options.forMeta ? [] : ([['frame-ancestors', ["'none'"]]] as Array<[string, string[]]>)),
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/** Headers every response of the app carries, in Electron and in browser mode. */
export function securityHeaders(options: CspOptions = {}): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(options),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}
