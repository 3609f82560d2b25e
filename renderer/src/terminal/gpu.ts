import type { Terminal } from '@xterm/xterm';
import { WebglAddon } from '@xterm/addon-webgl';

export type RendererKind = 'webgl' | 'dom';

/** A real GPU behind WebGL2, not a software rasterizer (headless Chromium, VMs): there the DOM renderer is faster. */
function hasHardwareWebgl(): boolean {
  if (new URL(window.location.href).searchParams.get('renderer') === 'dom') return false;
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return !/swiftshader|llvmpipe|software/i.test(name);
}

let webglUsable: boolean | null = null;

/** Loads the WebGL renderer when it can work, and drops back to the DOM renderer if the context is ever lost. */
export function loadFastestRenderer(term: Terminal): RendererKind {
  webglUsable ??= hasHardwareWebgl();
  if (!webglUsable) return 'dom';
  try {
    const webgl = new WebglAddon();
    webgl.onContextLoss(() => webgl.dispose());
    term.loadAddon(webgl);
    return 'webgl';
  } catch {
    webglUsable = false;
    return 'dom';
  }
}
