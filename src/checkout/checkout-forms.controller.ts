import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { CurrentPrincipal, type Principal } from '../common/auth';
import { InvalidFieldError, NotFoundError } from '../common/errors';
import { ApiErrors } from '../common/openapi-contract';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/page.dto';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { isGateway } from '../payments/store-payment-links';
import type { StorePlatform } from '../stores/canonical-event';
import { StoresService } from '../stores/stores.service';
import { abandonAfter, CheckoutFormView, CreateCheckoutFormDto } from './checkout.dto';
import { CheckoutFormsRepository, type CheckoutFormRow } from './checkout-forms.repository';

/** Hosted checkout forms: what a store sells at a fixed price, on a public page at `url`. */
@ApiTags('checkout')
@ApiBearerAuth()
@Controller('v1/checkout-forms')
export class CheckoutFormsController {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly forms: CheckoutFormsRepository,
    private readonly stores: StoresService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: CheckoutFormView, description: 'Published at `url`' })
  @ApiErrors(422)
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateCheckoutFormDto): Promise<CheckoutFormView> {
    const store = await this.stores.get(principal.accountId, dto.store_id).catch((err: unknown) => {
      throw err instanceof NotFoundError ? new InvalidFieldError('store_id', `store ${dto.store_id} is not one of this account's (GET /v1/stores)`) : err;
    });
    if (!isGateway(store.platform as StorePlatform)) throw new InvalidFieldError('store_id', `a ${store.platform} store makes no payment links: use a pagarme or asaas store`);
    const row = await this.forms.insert({
      id: randomUUID(),
      account_id: principal.accountId,
      store_id: store.id,
      product: dto.product.name,
      plan: dto.product.plan ?? null,
      amount_minor: dto.amount.amount_minor,
      currency: dto.amount.currency,
      abandon_after_ms: abandonAfter(dto.abandon_after)?.toString() ?? null,
    });
    return this.view(row);
  }

  @Get()
  @ApiOkResponse({ type: [CheckoutFormView], description: 'Newest first' })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery): Promise<CheckoutFormView[]> {
    return (await this.forms.list(principal.accountId, query.limit ?? DEFAULT_PAGE_SIZE)).map((r) => this.view(r));
  }

  @Get(':id')
  @ApiOkResponse({ type: CheckoutFormView })
  @ApiErrors(404)
  async get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<CheckoutFormView> {
    const row = await this.forms.find(principal.accountId, id);
    if (!row) throw new NotFoundError('checkout form', id);
    return this.view(row);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Its page answers 404 from now on; intents made with it stay' })
  @ApiErrors(404)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    if (!(await this.forms.markDeleted(principal.accountId, id))) throw new NotFoundError('checkout form', id);
  }

  private view(row: CheckoutFormRow): CheckoutFormView {
    return {
      id: row.id,
      store_id: row.store_id,
      product: { name: row.product, plan: row.plan },
      amount: { amount_minor: String(row.amount_minor), currency: row.currency as 'BRL' },
      abandon_after: row.abandon_after_ms === null ? null : `PT${Number(row.abandon_after_ms) / 1000}S`,
      url: `${this.config.api.publicUrl}/checkout/${row.id}`,
      created_at: row.created_at.toISOString(),
    };
  }
}
