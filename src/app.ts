import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import type { Config } from './config/config';
import { AllExceptionsFilter } from './common/exception.filter';
import { completeContract, documentedMethods } from './common/openapi-contract';
import { PinoNestLogger } from './common/logger';
import { registerConsole } from './console/console-static';
import { MetricsService } from './metrics/metrics.service';

/** Builds the API (not listening yet): used by main.ts and by the tests. */
export async function createApp(config: Config, logger: Logger): Promise<NestFastifyApplication> {
  // Path parameters as long as an app's device token (FCM tokens pass Fastify's default of 100).
  const adapter = new FastifyAdapter({ bodyLimit: 1024 * 1024, routerOptions: { maxParamLength: 16384 } });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    bodyParser: false,
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
  });
  const fastify = app.getHttpAdapter().getInstance();

  // JSON bodies are parsed here so the raw bytes stay available for webhook signatures, and
  // so a webhook whose body is not JSON still reaches its handler to be stored as invalid.
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    (request as FastifyRequest & { rawBody?: Buffer }).rawBody = raw;
    // Store webhooks are read from the raw bytes alone, by the platform's adapter after the ack.
    if (raw.length === 0 || request.url.startsWith('/v1/hooks/stores/')) return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      if (isProviderDelivery(request.url)) return done(null, undefined);
      const error = new Error(`body is not valid JSON: ${(err as Error).message}`) as Error & { statusCode: number };
      error.statusCode = 400;
      return done(error, undefined);
    }
    // Postgres text cannot hold U+0000; say which field has it instead of failing on the write.
    const nul = isProviderDelivery(request.url) ? undefined : pathWithNul(parsed);
    if (nul !== undefined) {
      const error = new Error(`${nul}: must not contain the NUL character (U+0000)`) as Error & { statusCode: number };
      error.statusCode = 422;
      return done(error, undefined);
    }
    done(null, parsed);
  });

  // The hosted checkout form posts url-encoded fields; its controller reads them (src/checkout/form).
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: 16 * 1024 }, (_request, body, done) => done(null, body));

  // One line and one histogram sample per request: route template, never the URL (query
  // strings may carry access tokens) and never the body.
  const metrics = app.get(MetricsService);
  const requestLog = logger.child({ component: 'http' });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (route !== '/health' && route !== '/metrics') {
      requestLog.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
  });

  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  app.enableShutdownHooks();

  const document = openApiDocument(app);
  // A documented path asked with a method it does not have: 405 with Allow, not 404.
  const routes = documentedMethods(document);
  // The most specific documented path decides: PATCH /v1/contacts/bulk is a 405, not PATCH /v1/contacts/{id}.
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    const route = routes.filter((r) => r.pattern.test(path)).sort((a, b) => a.params - b.params)[0];
    if (!route) return;
    const allow = route.allow.includes('GET') ? [...route.allow, 'HEAD'] : route.allow;
    if (!request.is404 && (allow.includes(request.method) || request.method === 'OPTIONS')) return;
    if (request.is404 === false && route.params > 0) return;
    await reply
      .status(405)
      .header('allow', allow.join(', '))
      .send({ statusCode: 405, error: 'Method Not Allowed', message: `${request.method} is not allowed on ${path}; use ${allow.join(', ')}` });
  });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  registerConsole(fastify, config.livekit.url);
  return app;
}

/** The API's contract as served at /docs/openapi.json (scripts/dump-openapi.ts writes it to a file for the console's types). */
export function openApiDocument(app: NestFastifyApplication): OpenAPIObject {
  return completeContract(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('recado API')
      .setDescription(
        'Durable customer messaging. Authenticate with `Authorization: Bearer <api key>` (an account key or an agent token).',
      )
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  ));
}

/** The path of the first string (or key) holding U+0000, if any. */
function pathWithNul(value: unknown, path = '(body)'): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (!value || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path === '(body)' ? key : `${path}.${key}`;
    if (key.includes('\u0000')) return at;
    const found = pathWithNul(child, at);
    if (found) return found;
  }
  return undefined;
}

/** Providers' deliveries (webhooks, app receipts) are stored as sent, even when they are not JSON. */
function isProviderDelivery(url: string): boolean {
  return url.startsWith('/v1/webhooks/') || url.startsWith('/v1/hooks/');
}
