/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The Tauri shell loads ui/dist from disk (frontendDist "../ui/dist"): relative asset paths,
// no dev server, no network. Preact's automatic JSX runtime through Oxc.
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
  },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
