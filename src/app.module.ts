import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import type { Config } from './config/config';
import { ConfigModule } from './config/config.module';
import { AuthGuard } from './common/auth';
import { LoggerModule } from './common/logger.module';
import { InfraModule } from './infra/infra.module';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsRepository } from './accounts/accounts.repository';
import { AccountsService } from './accounts/accounts.service';
import { CallPermissionsController } from './calls/call-permissions.controller';
import { CallPermissionsRepository } from './calls/call-permissions.repository';
import { CallPermissionsService } from './calls/call-permissions.service';
import { CallbackTasksController } from './calls/callback-tasks.controller';
import { CallsController } from './calls/calls.controller';
import { InboundCallsRepository } from './calls/inbound-calls.repository';
import { InboundCallScreening } from './calls/inbound-call-screening';
import { CallsRepository } from './calls/calls.repository';
import { CallsService } from './calls/calls.service';
import { CALL_HISTORY_CONTROLLERS, CALL_HISTORY_PROVIDERS } from './calls/history/call-history.feature';
import { CALL_PARTICIPANTS_CONTROLLERS, CALL_PARTICIPANTS_PROVIDERS } from './calls/participants/call-participants.feature';
import { CALL_SETTINGS_CONTROLLERS, CALL_SETTINGS_PROVIDERS } from './calls/settings/call-settings.feature';
import { CONTACT_ATTRIBUTES_CONTROLLERS, CONTACT_ATTRIBUTES_PROVIDERS } from './contacts/attributes/contact-attributes.feature';
import { CONTACTS_SEARCH_CONTROLLERS, CONTACTS_SEARCH_PROVIDERS } from './contacts/search/contacts-search.feature';
import { CONTACT_ERASURE_CONTROLLERS, CONTACT_ERASURE_PROVIDERS } from './contacts/erasure/contact-erasure.feature';
import { CONTACT_INDEX_CONTROLLERS, CONTACT_INDEX_PROVIDERS } from './contacts/index/contact-index.feature';
import { CHANNELS_CONTROLLERS, CHANNELS_PROVIDERS } from './channels/channels.feature';
import { STORES_CONTROLLERS, STORES_PROVIDERS } from './stores/stores.feature';
import { OUTBOX_CONTROLLERS, OUTBOX_PROVIDERS } from './funnels/outbox/outbox.feature';
import { FUNNELS_CONTROLLERS, FUNNELS_PROVIDERS } from './funnels/funnels.feature';
import { CHECKOUT_CONTROLLERS, CHECKOUT_PROVIDERS } from './checkout/checkout.feature';
import { STORE_TEMPLATES_CONTROLLERS, STORE_TEMPLATES_PROVIDERS } from './funnels/templates/templates.feature';
import { FUNNEL_STATS_CONTROLLERS, FUNNEL_STATS_PROVIDERS } from './funnels/stats/stats.feature';
import { TELEGRAM_CONTROLLERS, TELEGRAM_PROVIDERS } from './channels/telegram/telegram.feature';
import { APP_PUSH_CONTROLLERS, APP_PUSH_PROVIDERS } from './channels/app/app-push.feature';
import { EMAIL_CONTROLLERS, EMAIL_PROVIDERS } from './channels/email/email.feature';
import { INBOX_CONTROLLERS, INBOX_PROVIDERS } from './conversations/inbox.feature';
import { ContactsController } from './contacts/contacts.controller';
import { ContactsRepository } from './contacts/contacts.repository';
import { ContactsService } from './contacts/contacts.service';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { MessagesController } from './messages/messages.controller';
import { MessagesRepository } from './messages/messages.repository';
import { MessagesService } from './messages/messages.service';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { NumbersController } from './numbers/numbers.controller';
import { NumbersRepository } from './numbers/numbers.repository';
import { NumbersService } from './numbers/numbers.service';
import { RealtimeController } from './realtime/realtime.controller';
import { RealtimeService } from './realtime/realtime.service';
import { WebhooksRepository } from './webhooks/webhooks.repository';
import { WhatsAppWebhooksController } from './webhooks/whatsapp-webhooks.controller';
import { InboundDeliveriesService } from './webhooks/inbound-deliveries.service';
import { WhatsAppWebhookHandler } from './webhooks/whatsapp-webhook.handler';

@Module({})
export class AppModule {
  static forRoot(config: Config, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(logger), InfraModule],
      controllers: [
        HealthController,
        MetricsController,
        AccountsController,
        NumbersController,
        ContactsController,
        MessagesController,
        WhatsAppWebhooksController,
        RealtimeController,
        CallPermissionsController,
        CallsController,
        CallbackTasksController,
        ...CALL_SETTINGS_CONTROLLERS,
        ...CALL_PARTICIPANTS_CONTROLLERS,
        ...CALL_HISTORY_CONTROLLERS,
        ...CONTACT_ATTRIBUTES_CONTROLLERS,
        ...CONTACTS_SEARCH_CONTROLLERS,
        ...CONTACT_ERASURE_CONTROLLERS,
        ...CONTACT_INDEX_CONTROLLERS,
        ...CHANNELS_CONTROLLERS,
        ...STORES_CONTROLLERS,
        ...OUTBOX_CONTROLLERS,
        ...FUNNELS_CONTROLLERS,
        ...CHECKOUT_CONTROLLERS,
        ...STORE_TEMPLATES_CONTROLLERS,
        ...FUNNEL_STATS_CONTROLLERS,
        ...TELEGRAM_CONTROLLERS,
        ...APP_PUSH_CONTROLLERS,
        ...EMAIL_CONTROLLERS,
        ...INBOX_CONTROLLERS,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        MetricsService,
        HealthService,
        AccountsRepository,
        AccountsService,
        NumbersRepository,
        NumbersService,
        ContactsRepository,
        ContactsService,
        MessagesRepository,
        MessagesService,
        WebhooksRepository,
        InboundDeliveriesService,
        WhatsAppWebhookHandler,
        RealtimeService,
        CallPermissionsRepository,
        CallPermissionsService,
        CallsRepository,
        CallsService,
        InboundCallsRepository,
        InboundCallScreening,
        ...CALL_SETTINGS_PROVIDERS,
        ...CALL_PARTICIPANTS_PROVIDERS,
        ...CALL_HISTORY_PROVIDERS,
        ...CONTACT_ATTRIBUTES_PROVIDERS,
        ...CONTACTS_SEARCH_PROVIDERS,
        ...CONTACT_ERASURE_PROVIDERS,
        ...CONTACT_INDEX_PROVIDERS,
        ...CHANNELS_PROVIDERS,
        ...STORES_PROVIDERS,
        ...OUTBOX_PROVIDERS,
        ...FUNNELS_PROVIDERS,
        ...CHECKOUT_PROVIDERS,
        ...STORE_TEMPLATES_PROVIDERS,
        ...FUNNEL_STATS_PROVIDERS,
        ...TELEGRAM_PROVIDERS,
        ...APP_PUSH_PROVIDERS,
        ...EMAIL_PROVIDERS,
        ...INBOX_PROVIDERS,
      ],
    };
  }
}
