import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LimitReachedError, isDomainError } from './errors';

/**
 * One place that turns errors into responses. 4xx carry a message naming the field;
 * anything unexpected is logged under an error id and only the id is returned.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      if (status < 500) {
        const payload = typeof body === 'string' ? { statusCode: status, message: body } : body;
        return reply.status(status).send(payload);
      }
    }
    // Fastify's own client errors (unparsable body, too large, wrong content type).
    const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return reply.status(statusCode).send({ statusCode, message: (exception as Error).message });
    }
    if (isDomainError(exception)) {
      if (exception instanceof LimitReachedError) {
        const seconds = Math.max(1, Math.ceil((exception.nextAllowedAt.getTime() - Date.now()) / 1000));
        void reply.header('retry-after', String(seconds));
      }
      return reply.status(exception.status).send({
        statusCode: exception.status,
        error: exception.name,
        message: exception.message,
        ...('field' in exception ? { field: exception.field } : {}),
        ...(exception instanceof LimitReachedError
          ? { limit: exception.limit, next_allowed_at: exception.nextAllowedAt.toISOString() }
          : {}),
      });
    }
    const errorId = randomUUID();
    this.logger.error(
      { errorId, method: request.method, route: request.routeOptions.url, err: exception },
      'unhandled error',
    );
    return reply.status(500).send({ statusCode: 500, error: 'Internal Server Error', errorId });
  }
}
