import type { Provider, Type } from '@nestjs/common';
import { ChannelAccountConnectionController, StoreOutboxController } from './outbox.controller';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';

/** The paced outbox: GET /v1/stores/{id}/notifications, GET/PUT /v1/stores/{id}/rules, POST /v1/channel-accounts/{id}/(dis)connect, and its sweep. */
export const OUTBOX_CONTROLLERS: Type[] = [StoreOutboxController, ChannelAccountConnectionController];
export const OUTBOX_PROVIDERS: Provider[] = [OutboxRepository, OutboxService];
