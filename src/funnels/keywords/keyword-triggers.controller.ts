import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../common/auth';
import { NotFoundError } from '../../common/errors';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../../common/page.dto';
import { StatsRepository } from '../stats/stats.repository';
import { KeywordTriggerView } from './keyword-triggers.dto';
import { KeywordTriggersRepository, type KeywordTriggerContext } from './keyword-triggers.repository';

@ApiTags('stores')
@ApiBearerAuth()
@Controller('v1/stores')
export class KeywordTriggersController {
  constructor(
    private readonly triggers: KeywordTriggersRepository,
    private readonly stats: StatsRepository,
  ) {}

  @Get(':id/keyword-triggers')
  @ApiOkResponse({ type: [KeywordTriggerView], description: 'Replies that matched a reply keyword, newest first, with the conversation and callback they caused' })
  async list(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() query: PageQuery): Promise<KeywordTriggerView[]> {
    if (!(await this.stats.storeExists(principal.accountId, id))) throw new NotFoundError('store', id);
    return (await this.triggers.list(principal.accountId, id, query.limit ?? DEFAULT_PAGE_SIZE)).map(view);
  }
}

function view(t: KeywordTriggerContext): KeywordTriggerView {
  const event = t.funnel_event;
  return {
    id: t.id,
    keyword: t.keyword,
    text: t.matched_text,
    message_id: t.message_id,
    contact: { id: t.contact_id, name: t.contact_name, phone: t.contact_phone, email: t.contact_email },
    notification: { id: t.notification_id, event_type: t.event_type, step: t.step, funnel_id: t.funnel_id, funnel: t.funnel },
    store_event: {
      id: t.store_event_id,
      type: event?.type ?? null,
      order_id: event?.orderId ?? null,
      amount: event?.amount ? { amount_minor: event.amount.amountMinor, currency: event.amount.currency } : null,
    },
    agent_id: t.agent_id,
    opened_conversation: t.opened_conversation,
    callback: {
      state: t.callback_state,
      url: t.callback_url,
      status: t.callback_status,
      error: t.callback_error,
      finished_at: t.callback_finished_at?.toISOString() ?? null,
    },
    created_at: t.created_at.toISOString(),
  };
}
