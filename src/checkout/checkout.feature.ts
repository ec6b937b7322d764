import type { Provider, Type } from '@nestjs/common';
import type { Pool } from 'pg';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { CrmConnectionController } from '../crm/crm-connection.controller';
import { CrmConnections } from '../crm/crm-connections';
import { PG_POOL } from '../db/database';
import { CheckoutFormsController } from './checkout-forms.controller';
import { CheckoutFormsRepository } from './checkout-forms.repository';
import { CheckoutIntentsController } from './checkout-intents.controller';
import { CheckoutIntentsRepository } from './checkout-intents.repository';
import { CheckoutIntentsService } from './checkout-intents.service';
import { HostedFormController } from './hosted-form.controller';

/** Lead capture before checkout: the CRM connection, checkout intents and forms, the hosted form page. */
export const CHECKOUT_CONTROLLERS: Type[] = [CrmConnectionController, CheckoutIntentsController, CheckoutFormsController, HostedFormController];
export const CHECKOUT_PROVIDERS: Provider[] = [
  CheckoutIntentsRepository,
  CheckoutIntentsService,
  CheckoutFormsRepository,
  { provide: CrmConnections, inject: [PG_POOL, CONFIG], useFactory: (pool: Pool, config: Config) => new CrmConnections(pool, config.secrets, config.crm) },
];
