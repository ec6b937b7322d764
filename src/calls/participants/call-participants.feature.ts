import type { Provider, Type } from '@nestjs/common';

/** During a call: invite colleagues (specialists first), mute or remove participants; block callers. */
export const CALL_PARTICIPANTS_CONTROLLERS: Type[] = [];
export const CALL_PARTICIPANTS_PROVIDERS: Provider[] = [];
