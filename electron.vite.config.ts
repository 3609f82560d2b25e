import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      externalizeDeps: true,
      rollupOptions: { input: { index: resolve(root, 'main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload can only be CommonJS and can only require('electron').
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    // Relative asset URLs: the same build loads from file:// in Electron and from / in browser mode.
    base: './',
    plugins: [react()],
    worker: {
      plugins: () => [
        {
          // The diff highlighter's worker (refractor → parse-entities) has no DOM, but Vite resolves packages for workers
          // under the "browser" condition (vitejs/vite#20230), which picks this package's DOM decoder: take the plain one.
          name: 'flightdeck:worker-entities',
          enforce: 'pre' as const,
          resolveId: (source: string) => (source === 'decode-named-character-reference' ? createRequire(import.meta.url).resolve(source) : null),
        },
      ],
    },
    build: {
      outDir: resolve(root, 'out/renderer'),
      // electron-vite leaves the renderer unminified; a third of the bytes parses faster on every window open.
      minify: true,
      rollupOptions: { input: { index: resolve(root, 'renderer/index.html') } },
    },
  },
});
