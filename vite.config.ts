// Vite builds the Svelte app (src/index.html) into dist/; Vitest reads its unit-test settings from here too.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

const projectRoot = fileURLToPath(new URL('.', import.meta.url));
const srcRoot = fileURLToPath(new URL('./src', import.meta.url));

export default defineConfig({
  root: srcRoot,
  publicDir: fileURLToPath(new URL('./public', import.meta.url)),
  plugins: [
    svelte(),
    VitePWA({
      // The app registers the worker itself (src/pwa/register.ts) so it can ask before reloading into an update.
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        id: '/',
        name: 'Seedpay — BitTorrent Speed for the web',
        short_name: 'Seedpay',
        description: 'Download torrents in the browser, pay seeders per verified piece, and earn BTT for seeding.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f8fafc',
        theme_color: '#0f766e',
        categories: ['utilities', 'productivity'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,wasm}'],
        // The worker bundle carries WebTorrent; precache it so the peer starts offline too.
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallback: '/index.html',
        // The ledger API (and its exchange), the TRON node and the tracker are live services, never answered from a cache. The other pages are their own
        // documents: an embed's URL carries a query (the magnet), so the precache misses it and, without this, a
        // visitor who has the app installed would get the app shell inside every embedded player.
        navigateFallbackDenylist: [/^\/ledger/, /^\/tron/, /^\/announce/, /^\/healthz/, /^\/lab\.html/, /^\/embed\.html/, /^\/embed-pay\.html/, /^\/stream-lab\.html/, /^\/proxy-relay\.html/],
        cleanupOutdatedCaches: true,
        // Streaming playback: answers /stream/… range requests from the page's peer worker (src/stream, public/stream-sw.js).
        importScripts: ['/stream-sw.js'],
      },
    }),
  ],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        app: fileURLToPath(new URL('./src/index.html', import.meta.url)),
        // Diagnostics page that boots the peer alone; end-to-end tests of the peer drive it.
        lab: fileURLToPath(new URL('./src/lab.html', import.meta.url)),
        // The embeddable player's iframe document (src/widget); the loader third parties include is public/widget.js.
        embed: fileURLToPath(new URL('./src/embed.html', import.meta.url)),
        // The first-party window a player on another site opens to be paid for (src/widget/pay-window.ts).
        'embed-pay': fileURLToPath(new URL('./src/embed-pay.html', import.meta.url)),
        // Streaming diagnostics: generates and seeds a test video; the stream and widget specs and the bench drive it.
        'stream-lab': fileURLToPath(new URL('./src/stream-lab.html', import.meta.url)),
        // The paid proxy's relay: plain WebTorrent in the service swarm, frames piped to the Node process (src/cli/proxy.ts).
        'proxy-relay': fileURLToPath(new URL('./src/proxy-relay.html', import.meta.url)),
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
