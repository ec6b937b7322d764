import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { preferredEncoding } from './compressed-assets';
import { consoleContentSecurityPolicy, registerConsole } from './console-static';

describe('the console files', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'console-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>recado</title>');
  writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  // A file the console must never serve: beside its folder, with a type it would serve.
  writeFileSync(path.join(path.dirname(root), `${path.basename(root)}-secret.js`), 'outside');
  const fastify = Fastify();
  registerConsole(fastify, 'http://127.0.0.1:7880', root);

  afterAll(() => fastify.close());

  it('serve index.html for the console and any path the browser routes, never cached', async () => {
    for (const url of ['/console', '/console/', '/console/contacts/4f1c', '/console/settings']) {
      const res = await fastify.inject({ method: 'GET', url });
      expect([url, res.statusCode, res.headers['content-type'], res.headers['cache-control']]).toEqual([
        url,
        200,
        'text/html; charset=utf-8',
        'no-cache',
      ]);
      expect(res.body).toContain('<title>recado</title>');
    }
  });

  it('serve hashed assets with their type, cached for good, under the policy', async () => {
    const res = await fastify.inject({ method: 'GET', url: '/console/assets/index-abc.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-security-policy']).toBe(consoleContentSecurityPolicy('http://127.0.0.1:7880'));
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('send hashed text assets compressed as the browser accepts, and plain to one that accepts none', async () => {
    const script = `export const words = ${JSON.stringify('recado '.repeat(500))};`;
    writeFileSync(path.join(root, 'assets', 'words-def.js'), script);
    const get = (acceptEncoding?: string) =>
      fastify.inject({ method: 'GET', url: '/console/assets/words-def.js', headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} });

    const br = await get('gzip, deflate, br');
    expect([br.headers['content-encoding'], br.headers.vary]).toEqual(['br', 'accept-encoding']);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(script);
    expect(br.rawPayload.length).toBeLessThan(script.length / 10);
    const gzip = await get('gzip, br;q=0');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(script);
    for (const plain of [await get(), await get('identity')]) {
      expect([plain.headers['content-encoding'], plain.headers.vary, plain.body]).toEqual([undefined, 'accept-encoding', script]);
    }
  });

  it('answer 404 for a missing asset and never read outside the folder', async () => {
    expect((await fastify.inject({ method: 'GET', url: '/console/assets/gone.js' })).statusCode).toBe(404);
    for (const url of [`/console/..%2f${path.basename(root)}-secret.js`, `/console/assets/..%2f..%2f${path.basename(root)}-secret.js`]) {
      const res = await fastify.inject({ method: 'GET', url });
      expect([url, res.body.includes('outside')]).toEqual([url, false]);
    }
  });

  it('allow only self, plus LiveKit over ws and http on its host', () => {
    const csp = consoleContentSecurityPolicy('https://livekit.example.com');
    expect(csp).toContain("connect-src 'self' wss://livekit.example.com https://livekit.example.com");
    expect(csp).toContain("script-src 'self'");
    // Recordings play from same-origin playback links; the calls' audio is a MediaStream (srcObject), which media-src does not govern.
    expect(csp).toContain("media-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
  });
});

describe('the encoding chosen from Accept-Encoding', () => {
  it.each([
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['BR', 'br'],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', null],
    ['identity', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (header, expected) => {
    expect(preferredEncoding(header)).toBe(expected);
  });
});
