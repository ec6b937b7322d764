import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { findRepoRoot } from '../common/repo-root';
import { COMPRESSIBLE_EXTENSIONS, CompressedAssets, preferredEncoding } from './compressed-assets';

/** The agents' console (console/, built by `npm run build` into dist/console), served at /console. */
export const CONSOLE_PREFIX = '/console';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
};

/**
 * Only the console's own files run: no inline script or style, no other origin, except the
 * LiveKit server the browser joins calls on (its signalling is a WebSocket on the same host).
 */
export function consoleContentSecurityPolicy(livekitUrl: string): string {
  const livekit = new URL(livekitUrl);
  const secure = livekit.protocol === 'https:' || livekit.protocol === 'wss:';
  const host = livekit.host;
  const livekitSources = [`${secure ? 'wss' : 'ws'}://${host}`, `${secure ? 'https' : 'http'}://${host}`];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    // Recordings stream from same-origin signed playback links (no object URLs).
    "media-src 'self'",
    `connect-src 'self' ${livekitSources.join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Registers GET /console and /console/* on Fastify directly: they are web pages, not API
 * operations, so they stay out of the OpenAPI document and out of the bearer-token guard.
 * A path that is not a built file answers index.html (the console routes in the browser);
 * a missing asset under assets/ is a plain 404. Hashed text assets are sent compressed (brotli
 * or gzip, as the browser accepts).
 */
export function registerConsole(fastify: FastifyInstance, livekitUrl: string, root = path.join(findRepoRoot(), 'dist', 'console')): void {
  const csp = consoleContentSecurityPolicy(livekitUrl);
  const compressed = new CompressedAssets();
  const headers = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cross-origin-opener-policy', 'same-origin');

  const sendIndex = async (reply: FastifyReply) => {
    const html = await readFile(path.join(root, 'index.html')).catch(() => undefined);
    if (!html) {
      return headers(reply).status(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build`.\n');
    }
    // The page names the current assets: always revalidated, so a deploy shows at once.
    return headers(reply).header('cache-control', 'no-cache').type(CONTENT_TYPES['.html']).send(html);
  };

  fastify.get(CONSOLE_PREFIX, (_request, reply) => sendIndex(reply));
  fastify.get(`${CONSOLE_PREFIX}/*`, async (request, reply) => {
    const relative = (request.params as { '*': string })['*'];
    const file = path.resolve(root, relative);
    const inside = file.startsWith(root + path.sep);
    const extension = path.extname(file);
    const content = inside && extension in CONTENT_TYPES && extension !== '.html' ? await readFile(file).catch(() => undefined) : undefined;
    if (content) {
      // Vite names assets by their content hash: a name never changes meaning, so it is cached for good.
      const hashed = relative.startsWith('assets/');
      headers(reply).header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache').type(CONTENT_TYPES[extension]);
      if (!hashed || !COMPRESSIBLE_EXTENSIONS.has(extension)) return reply.send(content);
      reply.header('vary', 'accept-encoding');
      const encoding = preferredEncoding(request.headers['accept-encoding']);
      if (!encoding) return reply.send(content);
      return reply.header('content-encoding', encoding).send(await compressed.body(relative, content, encoding));
    }
    if (relative.startsWith('assets/')) {
      return headers(reply).status(404).type('text/plain; charset=utf-8').send('Not found\n');
    }
    return sendIndex(reply);
  });
}
