import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ConflictError, InvalidFieldError, NotFoundError } from '../../common/errors';
import { ApiErrors } from '../../common/openapi-contract';
import { DEFAULT_PAGE_SIZE } from '../../common/page.dto';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { CHANNEL_DRIVERS } from '../channels.providers';
import type { ChannelAccountRow, ChannelDrivers } from '../driver';
import { ChannelAccountView, CreateChannelAccountDto, ListChannelAccountsQuery } from './channel-accounts.dto';
import { ChannelAccountsRepository } from './channel-accounts.repository';
import { ChannelSecrets } from './channel-secrets';

/** A mailbox, a Telegram bot or an app connected to an account; its secrets sealed, never shown again. */
@ApiTags('channels')
@ApiBearerAuth()
@Controller('v1/channel-accounts')
export class ChannelAccountsController {
  private readonly secrets: ChannelSecrets;

  constructor(
    @Inject(CONFIG) config: Config,
    @Inject(CHANNEL_DRIVERS) private readonly drivers: ChannelDrivers,
    private readonly accounts: ChannelAccountsRepository,
  ) {
    this.secrets = new ChannelSecrets(config.secrets);
  }

  @Post()
  @ApiCreatedResponse({ type: ChannelAccountView })
  @ApiErrors(409, 422)
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateChannelAccountDto): Promise<ChannelAccountView> {
    const driver = this.drivers.get(dto.channel);
    if (!driver) throw new InvalidFieldError('channel', `the ${dto.channel} channel is not set up on this server`);
    const settings = dto.settings ?? {};
    const secrets = dto.secrets ?? {};
    for (const [key, value] of Object.entries(secrets)) {
      if (typeof value !== 'string') throw new InvalidFieldError(`secrets.${key}`, 'must be a string');
    }
    driver.validateAccount(settings, secrets);
    const id = randomUUID();
    const address = dto.channel === 'email' ? dto.address.trim().toLowerCase() : dto.address.trim();
    const row = await this.accounts.insert({
      id,
      accountId: principal.accountId,
      channel: dto.channel,
      name: dto.name,
      address,
      settings,
      sealedSecrets: this.secrets.seal(id, secrets),
    });
    if (!row) throw new ConflictError(`a ${dto.channel} channel account with address ${address} is already connected`);
    return view(row, Object.keys(secrets));
  }

  @Get()
  @ApiOkResponse({ type: [ChannelAccountView] })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListChannelAccountsQuery): Promise<ChannelAccountView[]> {
    const rows = await this.accounts.list(principal.accountId, query.channel);
    return rows.slice(0, query.limit ?? DEFAULT_PAGE_SIZE).map((r) => view(r, Object.keys(this.secrets.open(r).secrets)));
  }

  @Get(':id')
  @ApiOkResponse({ type: ChannelAccountView })
  async get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<ChannelAccountView> {
    const row = await this.accounts.findById(principal.accountId, id);
    if (!row) throw new NotFoundError('channel account', id);
    return view(row, Object.keys(this.secrets.open(row).secrets));
  }
}

function view(row: ChannelAccountRow, secretNames: string[]): ChannelAccountView {
  return {
    id: row.id,
    channel: row.channel,
    name: row.name,
    address: row.address,
    settings: row.settings,
    secret_names: secretNames.sort(),
    created_at: row.created_at.toISOString(),
  };
}
