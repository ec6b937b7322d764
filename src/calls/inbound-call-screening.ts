import { Injectable } from '@nestjs/common';
import { BlockedCallersRepository } from './participants/blocked-callers.repository';
import { CallParticipantsRepository, type InvolvedAgent } from './participants/call-participants.repository';
import { isOpenAt, type Availability } from './policy';
import { CallSettingsRepository } from './settings/call-settings.repository';

/** What inboundCallWorkflow needs to know about a customer's call the moment it arrives. */
export interface InboundCallScreen {
  blocked: boolean;
  /** Open now, by the number's call settings (no settings stored: open at any hour). */
  availability: Availability;
  /** Every agent of the account, with presence and involvement with this customer. */
  agents: InvolvedAgent[];
}

@Injectable()
export class InboundCallScreening {
  constructor(
    private readonly blockedCallers: BlockedCallersRepository,
    private readonly settings: CallSettingsRepository,
    private readonly participants: CallParticipantsRepository,
  ) {}

  async screen(call: { accountId: string; callId: string; numberId: string; contactId: string }, now: number): Promise<InboundCallScreen> {
    const [blocked, callingSettings, agents] = await Promise.all([
      this.blockedCallers.isCallerBlocked(call.accountId, call.contactId),
      this.settings.find(call.numberId),
      this.participants.involvedAgents(call.accountId, call.contactId, { excludeCallId: call.callId }),
    ]);
    return { blocked, availability: callingSettings ? isOpenAt(callingSettings, now) : { open: true }, agents };
  }
}
