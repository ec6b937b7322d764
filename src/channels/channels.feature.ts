import type { Provider, Type } from '@nestjs/common';
import { ChannelAccountsController } from './accounts/channel-accounts.controller';
import { ChannelAccountsRepository } from './accounts/channel-accounts.repository';
import { channelDriversProvider } from './channels.providers';
import { Conversations } from './conversations';
import { CostLedger, CostsController } from './pricing/costs';
import { DispatchesController } from './routing/dispatches.controller';
import { DispatchesRepository } from './routing/dispatches.repository';
import { DispatchesService } from './routing/dispatches.service';

/** The messaging core shared by every channel: channel accounts, conversations, routing, the cost ledger. */
export const CHANNELS_CONTROLLERS: Type[] = [ChannelAccountsController, DispatchesController, CostsController];
export const CHANNELS_PROVIDERS: Provider[] = [
  channelDriversProvider,
  ChannelAccountsRepository,
  Conversations,
  DispatchesRepository,
  DispatchesService,
  CostLedger,
];
