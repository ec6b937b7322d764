import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiOkResponse({ description: 'Every dependency answers: { status: "ok", dependencies: { postgres: { status, latency_ms }, … } }' })
  @ApiServiceUnavailableResponse({ description: 'At least one dependency is down; each carries its error' })
  async check(@Res() reply: FastifyReply) {
    const result = await this.health.check();
    await reply.status(result.status === 'ok' ? 200 : 503).send(result);
  }
}
