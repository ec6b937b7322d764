import type { Provider, Type } from '@nestjs/common';
import { BlockedCallersRepository } from './blocked-callers.repository';
import { CallBlocksService } from './call-blocks.service';
import { CallBlockController, CallParticipantsController } from './call-participants.controller';
import { CallParticipantsRepository } from './call-participants.repository';
import { CallParticipantsService } from './call-participants.service';

/** During a call: invite colleagues (specialists first), mute or remove participants; block callers. */
export const CALL_PARTICIPANTS_CONTROLLERS: Type[] = [CallParticipantsController, CallBlockController];
export const CALL_PARTICIPANTS_PROVIDERS: Provider[] = [
  CallParticipantsRepository,
  CallParticipantsService,
  BlockedCallersRepository,
  CallBlocksService,
];
