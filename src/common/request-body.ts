import { BadRequestException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** An operation whose fields are all optional still needs a body: an empty request is a mistake. */
export function requireBody(request: FastifyRequest): void {
  if (request.body === undefined || request.body === null) throw new BadRequestException('a JSON object body is required');
}
