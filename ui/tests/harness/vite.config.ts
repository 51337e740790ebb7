// TEST ONLY build of the harness (never part of ui/dist).
import { defineConfig } from 'vite';
export default defineConfig({
  root: __dirname,
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: '/tmp/gridcase-harness', emptyOutDir: true },
});
