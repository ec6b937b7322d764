import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/**
 * Structured JSON logs. Secrets and message bodies are never logged: the redact list covers
 * the fields that could carry them if a caller passes a whole object by mistake.
 */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'accessToken',
        'access_token',
        '*.accessToken',
        '*.access_token',
        // a row or request nested one level deeper (e.g. { call: { access_token } })
        '*.*.accessToken',
        '*.*.access_token',
        // the key material of src/secrets, should a Config be logged
        'secrets',
        '*.secrets',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'body',
        '*.body',
        'text',
        '*.text',
        'apiKey',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
  });
}

/** Routes Nest's own logging into pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
