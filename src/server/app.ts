// The one HTTP surface of a local Seedpay node: the built app (static), and the services mounted beside it.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

export interface AppOptions {
  /** Absolute path of the built app (vite build output). */
  staticDir: string;
}

/** Static files with the caching a PWA wants: hashed assets forever, everything else revalidated. */
export function createStaticApp(options: AppOptions): Hono {
  if (!existsSync(options.staticDir)) {
    throw new Error(`no built app at ${options.staticDir}: run "npm run build" (npm start does it for you)`);
  }
  const root = relative(process.cwd(), options.staticDir) || '.';
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    const path = c.req.path;
    c.header('Cache-Control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    c.header('X-Content-Type-Options', 'nosniff');
  });
  app.use('*', serveStatic({ root }));
  // Single-page app: unknown paths fall back to the shell so deep links survive a reload.
  app.get('*', serveStatic({ root, rewriteRequestPath: () => '/index.html' }));
  return app;
}
