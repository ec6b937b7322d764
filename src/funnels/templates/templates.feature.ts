import type { Provider, Type } from '@nestjs/common';
import { MetaTemplates } from './meta-templates';
import { StoreTemplatesController } from './store-templates.controller';
import { StoreTemplatesRepository } from './store-templates.repository';
import { StoreTemplatesService } from './store-templates.service';

/** Store templates: /v1/stores/{storeId}/templates (CRUD and sync with Meta's message_templates). */
export const STORE_TEMPLATES_CONTROLLERS: Type[] = [StoreTemplatesController];
export const STORE_TEMPLATES_PROVIDERS: Provider[] = [StoreTemplatesRepository, StoreTemplatesService, MetaTemplates];
