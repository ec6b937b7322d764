/**
 * Writes the API's OpenAPI document (the one served at /docs/openapi.json) to a file without
 * a running server or any backing service, so the build can generate the console's API types.
 *
 *   node dist/scripts/dump-openapi.js [out file, default dist/openapi.json]
 *
 * Nest's preview mode builds the module graph and the route metadata without instantiating
 * providers: no database, Temporal or Typesense connection is opened.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../src/app.module';
import { openApiDocument } from '../src/app';
import { findRepoRoot } from '../src/common/repo-root';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/common/logger';

async function main() {
  const root = findRepoRoot();
  const outFile = path.resolve(process.argv[2] ?? path.join(root, 'dist', 'openapi.json'));
  // The local defaults suffice: in preview mode nothing is connected to.
  const config = loadConfig({ ...process.env, RECADO_ENV: 'development', LOG_LEVEL: 'error' });
  const logger = createLogger('error', 'dump-openapi');
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const document = openApiDocument(app);
  await app.close();
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(document, null, 2) + '\n');
  console.log(`dump-openapi: wrote ${path.relative(root, outFile)} (${Object.keys(document.paths).length} paths)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
