import type { Provider, Type } from '@nestjs/common';

/** Call settings per number (hours, holidays, callback) and the calling readiness check. */
export const CALL_SETTINGS_CONTROLLERS: Type[] = [];
export const CALL_SETTINGS_PROVIDERS: Provider[] = [];
