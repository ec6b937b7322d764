import type { Provider, Type } from '@nestjs/common';
import { FunnelsController } from './funnels.controller';
import { FunnelsRepository } from './funnels.repository';
import { FunnelsService } from './funnels.service';

/** Funnels: workflows per store, customer and order or cart; their settings; mark as paid. */
export const FUNNELS_CONTROLLERS: Type[] = [FunnelsController];
export const FUNNELS_PROVIDERS: Provider[] = [FunnelsRepository, FunnelsService];
