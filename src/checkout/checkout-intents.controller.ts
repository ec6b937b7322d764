import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '../common/auth';
import { ApiErrors } from '../common/openapi-contract';
import { DEFAULT_PAGE_SIZE } from '../common/page.dto';
import { abandonAfter, CheckoutIntentView, CreateCheckoutIntentDto, ListCheckoutIntentsQuery, ResumedCrmView } from './checkout.dto';
import { CheckoutIntentsService } from './checkout-intents.service';
import type { CheckoutIntentRow } from './model';

/** Checkout intents: the lead before the gateway, its payment link, its recovery, its CRM work. */
@ApiTags('checkout')
@ApiBearerAuth()
@Controller('v1/checkout-intents')
export class CheckoutIntentsController {
  constructor(private readonly checkouts: CheckoutIntentsService) {}

  @Post()
  @ApiCreatedResponse({ type: CheckoutIntentView, description: 'Captured: send the customer to `payment_url`' })
  @ApiOkResponse({ type: CheckoutIntentView, description: 'The same customer and purchase is pending already: its intent and link, unchanged' })
  @ApiBadGatewayResponse({ description: 'The gateway refused the payment link for a reason that names no field' })
  @ApiServiceUnavailableResponse({ description: 'The gateway is unavailable; the intent is kept: the same request again retries it' })
  @ApiErrors(422)
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateCheckoutIntentDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<CheckoutIntentView> {
    const { intent, reused } = await this.checkouts.create(principal.accountId, {
      storeId: dto.store_id,
      customer: dto.customer,
      product: dto.product.name,
      plan: dto.product.plan ?? null,
      amountMinor: dto.amount.amount_minor,
      currency: dto.amount.currency,
      abandonAfterMs: abandonAfter(dto.abandon_after),
    });
    reply.status(reused ? 200 : 201);
    return checkoutIntentView(intent);
  }

  @Get()
  @ApiOkResponse({ type: [CheckoutIntentView], description: 'Newest first' })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListCheckoutIntentsQuery): Promise<CheckoutIntentView[]> {
    const rows = await this.checkouts.list(principal.accountId, { state: query.state, crmState: query.crm_state, storeId: query.store_id, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    return rows.map(checkoutIntentView);
  }

  @Post('resume-crm')
  @HttpCode(200)
  @ApiOkResponse({ type: ResumedCrmView, description: "Every parked intent's CRM work goes again (after a CRM outage, a new token)" })
  async resumeAll(@CurrentPrincipal() principal: Principal): Promise<ResumedCrmView> {
    return { resumed: await this.checkouts.resumeCrm(principal.accountId) };
  }

  @Get(':id')
  @ApiOkResponse({ type: CheckoutIntentView })
  @ApiErrors(404)
  async get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<CheckoutIntentView> {
    return checkoutIntentView(await this.checkouts.get(principal.accountId, id));
  }

  @Post(':id/resume-crm')
  @HttpCode(200)
  @ApiOkResponse({ type: CheckoutIntentView, description: 'Its parked CRM work goes again (nothing to do when not parked)' })
  @ApiErrors(404)
  async resume(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<CheckoutIntentView> {
    await this.checkouts.resumeCrm(principal.accountId, id);
    return checkoutIntentView(await this.checkouts.get(principal.accountId, id));
  }
}

export function checkoutIntentView(row: CheckoutIntentRow): CheckoutIntentView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: row.id,
    store_id: row.store_id,
    form_id: row.form_id,
    contact_id: row.contact_id,
    state: row.state,
    customer: { name: row.name, email: row.email, phone: row.phone },
    product: { name: row.product, plan: row.plan },
    amount: { amount_minor: String(row.amount_minor), currency: row.currency as 'BRL' },
    gateway: row.gateway,
    gateway_reference: row.gateway_reference,
    payment_url: row.payment_url,
    abandon_at: row.abandon_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    paid_at: iso(row.paid_at),
    abandoned_at: iso(row.abandoned_at),
    funnel_id: row.funnel_id,
    crm: {
      state: row.crm_state,
      error: row.crm_error,
      parked_at: iso(row.crm_parked_at),
      person_id: row.crm_person_id,
      deal_id: row.crm_deal_id,
      won_at: iso(row.crm_won_at),
      follow_up_activity_id: row.crm_follow_up_id,
    },
    created_at: row.created_at.toISOString(),
  };
}
