import type { Provider, Type } from '@nestjs/common';
import { CallingReadinessController, CallSettingsController } from './call-settings.controller';
import { CallSettingsRepository } from './call-settings.repository';
import { CallSettingsService } from './call-settings.service';
import { CALLING_READINESS_OPTIONS, CallingReadinessService, readinessOptionsFromEnv } from './calling-readiness.service';
import { CallingGraph } from './meta-graph';

/** Call settings per number (hours, holidays, callback) and the calling readiness check. */
export const CALL_SETTINGS_CONTROLLERS: Type[] = [CallSettingsController, CallingReadinessController];
export const CALL_SETTINGS_PROVIDERS: Provider[] = [
  // CALLING_MIN_MESSAGING_TIER (default TIER_2K): read here until config.ts has a field for it.
  { provide: CALLING_READINESS_OPTIONS, useFactory: () => readinessOptionsFromEnv(process.env) },
  CallSettingsRepository,
  CallSettingsService,
  CallingReadinessService,
  CallingGraph,
];
