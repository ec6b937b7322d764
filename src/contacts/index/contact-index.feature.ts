import type { Provider, Type } from '@nestjs/common';
import { ContactIndexController } from './contact-index.controller';
import { ContactIndexMetrics } from './contact-index.metrics';
import { ContactIndexService } from './contact-index.service';
import { ContactIndexOutboxRepository } from './outbox.repository';

/** The contact search index's lag and parked contacts (the indexer itself runs in the worker). */
export const CONTACT_INDEX_CONTROLLERS: Type[] = [ContactIndexController];
export const CONTACT_INDEX_PROVIDERS: Provider[] = [ContactIndexOutboxRepository, ContactIndexService, ContactIndexMetrics];
