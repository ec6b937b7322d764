import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { Public } from '../../common/auth';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { PG_POOL } from '../../db/database';
import { TrackedLinks } from './tracked-links';

/**
 * The redirect behind every tracked link in a funnel message: public (the customer's browser
 * follows it), counts the click and sends them on. An unknown token is a plain 404 that says
 * nothing about which tokens exist.
 */
@Controller('r')
export class TrackedLinksController {
  private readonly links: TrackedLinks;

  constructor(@Inject(PG_POOL) pool: Pool, @Inject(CONFIG) config: Config) {
    this.links = new TrackedLinks(pool, config.api.publicUrl, config.secrets);
  }

  @Get(':token')
  @Public()
  @ApiExcludeEndpoint()
  async follow(@Param('token') token: string, @Res() reply: FastifyReply) {
    const url = await this.links.click(token);
    if (!url) throw new NotFoundException('no such link');
    // Each click must reach us (no caching), and the customer's link does not leak to the shop as a referrer.
    return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(url, 302);
  }
}
