import type { Provider, Type } from '@nestjs/common';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { APP_PUSH_CONFIG, AppDevicesController, AppReceiptsController } from './app-push.controller';
import { AppDevicesRepository } from './app-devices.repository';
import { AppDevicesService } from './app-devices.service';
import { AppReceiptsHandler } from './app-receipts.handler';

export { createAppPushDriver } from './app-push.driver';

/**
 * The business's own app as a channel: device registration (PUT/DELETE /v1/app-devices), the
 * receipts the app posts (POST /v1/hooks/app/{channel_account_id}/receipts, through the one
 * inbound pipeline) and, for the worker, createAppPushDriver(config, pool).
 * Needs Conversations, ContactsRepository, ContactErasers, InboundDeliveriesService and
 * MetricsService from the app module.
 */
export const APP_PUSH_CONTROLLERS: Type[] = [AppDevicesController, AppReceiptsController];
export const APP_PUSH_PROVIDERS: Provider[] = [
  { provide: APP_PUSH_CONFIG, inject: [CONFIG], useFactory: (config: Config) => config.channels.appPush },
  AppDevicesRepository,
  AppDevicesService,
  AppReceiptsHandler,
];
