import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * A test page made from one of the console's modules: esbuild bundles `entry` (TypeScript, Preact
 * JSX) into a temporary folder beside an index.html that loads it, and a small HTTP server on a
 * free loopback port serves that folder — the page loads nothing from anywhere else.
 */
export interface ServedPage {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

export async function servePage(entry: string, { title = 'recado', lang = 'en' } = {}): Promise<ServedPage> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recado-page-'));
  const built = await build({
    entryPoints: { page: entry },
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: 'linked',
    logLevel: 'silent',
    metafile: true,
  });
  // A module that imports CSS gets it bundled beside it, as page.css.
  const styled = Object.keys(built.metafile.outputs).some((file) => file.endsWith('page.css'));
  await writeFile(
    path.join(dir, 'index.html'),
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${title}</title>` +
      `${styled ? '<link rel="stylesheet" href="/page.css">' : ''}</head>` +
      `<body><main id="root"></main><script type="module" src="/page.js"></script></body></html>`,
  );

  const server: Server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://page').pathname.replace(/^\/$/, '/index.html');
    const file = path.join(dir, path.normalize(name));
    if (!file.startsWith(dir + path.sep)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
