import { Controller, Get, Inject, Injectable, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { Pool } from 'pg';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ApiErrors } from '../../common/openapi-contract';
import { PG_POOL } from '../../db/database';

const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

export class CostsQuery {
  @ApiPropertyOptional({ pattern: MONTH.source, example: '2026-12', description: 'Default: the current month (UTC)' })
  @IsOptional()
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month?: string;
}

export class CostRowView {
  @ApiProperty({ enum: ['whatsapp', 'email', 'telegram', 'app'] }) channel!: string;
  @ApiProperty({ enum: ['transactional', 'utility', 'marketing', 'service_reply', 'unknown'] }) category!: string;
  @ApiProperty({ type: 'integer' }) messages!: number;
  @ApiProperty({ description: 'What these messages cost' }) cost!: number;
  @ApiProperty({ description: 'What they would have cost, each sent as a WhatsApp template' }) template_cost!: number;
  @ApiProperty({ type: 'integer', description: 'Of these, templates sent free-form inside the 24 h window' }) converted!: number;
}

export class CostReportView {
  @ApiProperty({ example: '2026-12' }) month!: string;
  @ApiProperty({ example: 'BRL' }) currency!: string;
  @ApiProperty({ type: [CostRowView] }) rows!: CostRowView[];
  @ApiProperty({ type: 'integer' }) messages!: number;
  @ApiProperty() cost!: number;
  @ApiProperty({ description: 'Everything as a WhatsApp template' }) template_cost!: number;
  @ApiProperty({ description: 'Saved by sending on cheaper channels (app, e-mail, Telegram, free-form service replies)' }) saved_by_routing!: number;
  @ApiProperty({ description: 'Saved by sending templates free-form inside the 24 h window' }) saved_by_conversion!: number;
  @ApiProperty({ description: '(template_cost − cost) / template_cost × 100; 0 without messages' }) saved_pct!: number;
}

/** The cost ledger: outbound messages that went out (accepted by their provider), by channel and category. */
@Injectable()
export class CostLedger {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async report(accountId: string, month: string): Promise<CostReportView> {
    const start = `${month}-01T00:00:00Z`;
    const { rows } = await this.pool.query<{
      channel: string;
      category: string;
      currency: string | null;
      messages: string;
      cost: string;
      template_cost: string;
      converted: string;
      converted_saving: string;
    }>(
      `SELECT channel, coalesce(category, 'unknown') AS category, max(currency) AS currency, count(*) AS messages,
              coalesce(sum(cost), 0) AS cost, coalesce(sum(template_cost), 0) AS template_cost,
              count(*) FILTER (WHERE pricing = 'converted') AS converted,
              coalesce(sum(template_cost - cost) FILTER (WHERE pricing = 'converted'), 0) AS converted_saving
         FROM messages
        WHERE account_id = $1 AND direction = 'outbound' AND accepted_at IS NOT NULL
          AND created_at >= $2::timestamptz AND created_at < $2::timestamptz + interval '1 month'
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [accountId, start],
    );
    const round = (n: number) => Math.round(n * 1e6) / 1e6;
    const out = rows.map((r) => ({
      channel: r.channel,
      category: r.category,
      messages: Number(r.messages),
      cost: round(Number(r.cost)),
      template_cost: round(Number(r.template_cost)),
      converted: Number(r.converted),
    }));
    const sum = (f: (r: (typeof out)[number]) => number) => round(out.reduce((a, r) => a + f(r), 0));
    const cost = sum((r) => r.cost);
    const templateCost = sum((r) => r.template_cost);
    const conversion = round(rows.reduce((a, r) => a + Number(r.converted_saving), 0));
    return {
      month,
      currency: rows.find((r) => r.currency)?.currency ?? 'BRL',
      rows: out,
      messages: sum((r) => r.messages),
      cost,
      template_cost: templateCost,
      saved_by_routing: round(templateCost - cost - conversion),
      saved_by_conversion: conversion,
      saved_pct: templateCost > 0 ? round(((templateCost - cost) / templateCost) * 100) : 0,
    };
  }
}

@ApiTags('channels')
@ApiBearerAuth()
@ApiErrors(422)
@Controller('v1/costs')
export class CostsController {
  constructor(private readonly ledger: CostLedger) {}

  @Get()
  @ApiOkResponse({ type: CostReportView })
  report(@CurrentPrincipal() principal: Principal, @Query() query: CostsQuery) {
    return this.ledger.report(principal.accountId, query.month ?? new Date().toISOString().slice(0, 7));
  }
}
