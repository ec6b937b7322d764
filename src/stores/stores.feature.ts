import type { Provider, Type } from '@nestjs/common';
import { StoreWebhookHandler } from './store-webhook.handler';
import { StoreHooksController, StoresController } from './stores.controller';
import { StoresRepository } from './stores.repository';
import { StoresService } from './stores.service';

/** Stores and their webhooks: POST /v1/stores, POST /v1/hooks/stores/{token}, GET /v1/stores/{id}/events. */
export const STORES_CONTROLLERS: Type[] = [StoresController, StoreHooksController];
export const STORES_PROVIDERS: Provider[] = [StoresRepository, StoresService, StoreWebhookHandler];
