// Vite builds the Svelte app (src/index.html) into dist/; Vitest reads its unit-test settings from here too.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const projectRoot = fileURLToPath(new URL('.', import.meta.url));
const srcRoot = fileURLToPath(new URL('./src', import.meta.url));

export default defineConfig({
  root: srcRoot,
  publicDir: fileURLToPath(new URL('./public', import.meta.url)),
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        app: fileURLToPath(new URL('./src/index.html', import.meta.url)),
        // Diagnostics page that boots the peer alone; end-to-end tests of the peer drive it.
        lab: fileURLToPath(new URL('./src/lab.html', import.meta.url)),
      },
    },
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
  test: {
    root: projectRoot,
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    allowOnly: !process.env.CI,
  },
});
