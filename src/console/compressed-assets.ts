import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type ContentEncoding = 'br' | 'gzip';

/** Text the browser downloads in bulk; images and fonts are compressed already. */
export const COMPRESSIBLE_EXTENSIONS = new Set(['.js', '.css', '.json', '.svg']);

/**
 * The encoding to answer with, from the request's Accept-Encoding: brotli, else gzip, else none.
 * `;q=0` refuses an encoding; `*` stands for any encoding not named.
 */
export function preferredEncoding(acceptEncoding: string | undefined): ContentEncoding | null {
  const weights = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (encoding: ContentEncoding) => weights.get(encoding) ?? weights.get('*') ?? 0;
  const best = (['br', 'gzip'] as const).filter((e) => weightOf(e) > 0).sort((a, b) => weightOf(b) - weightOf(a));
  return best[0] ?? null;
}

const compressors: Record<ContentEncoding, (content: Buffer) => Promise<Buffer>> = {
  // Quality 9: within a few per cent of the maximum at a fraction of its time, paid once per file.
  br: (content) => promisify(brotliCompress)(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: content.length } }),
  gzip: (content) => promisify(gzip)(content, { level: 9 }),
};

/**
 * Compressed bodies of the console's hashed assets, made once per process: a hashed name never
 * changes meaning, so what was compressed for it stays right.
 */
export class CompressedAssets {
  private readonly cache = new Map<string, Promise<Buffer>>();

  body(name: string, content: Buffer, encoding: ContentEncoding): Promise<Buffer> {
    const key = `${encoding}:${name}`;
    let body = this.cache.get(key);
    if (!body) {
      body = compressors[encoding](content);
      this.cache.set(key, body);
      body.catch(() => this.cache.delete(key));
    }
    return body;
  }
}
