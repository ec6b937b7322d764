import type { Provider, Type } from '@nestjs/common';
import { CallingReadinessController, CallSettingsController } from './call-settings.controller';
import { CallSettingsRepository } from './call-settings.repository';
import { CallSettingsService } from './call-settings.service';
import { CallingReadinessService } from './calling-readiness.service';
import { CallingGraph } from './meta-graph';

/** Call settings per number (hours, holidays, callback) and the calling readiness check. */
export const CALL_SETTINGS_CONTROLLERS: Type[] = [CallSettingsController, CallingReadinessController];
export const CALL_SETTINGS_PROVIDERS: Provider[] = [
  CallSettingsRepository,
  CallSettingsService,
  CallingReadinessService,
  CallingGraph,
];
