// The console is built into dist/console and served by the API under /console (src/console).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  // Preact's automatic JSX runtime through esbuild: no Babel step needed.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Everything is a file of its own: the Content-Security-Policy allows no inline script or data: font.
    assetsInlineLimit: 0,
    // kB. The largest chunk is livekit-client (≈600 kB), loaded only when a call is joined
    // (src/calls/room.ts): one prebuilt module that no chunking can split. The first load, the
    // entry chunk, stays far below; the warning still catches anything else that grows this big.
    chunkSizeWarningLimit: 640,
  },
  logLevel: 'warn',
});
