import type { Provider, Type } from '@nestjs/common';
import { InboxController, ReplyOptionsController } from './inbox.controller';
import { InboxRepository } from './inbox.repository';
import { InboxService } from './inbox.service';
import { SentTemplates } from './sent-templates.service';

/**
 * The agents' inbox: conversations across channels, read markers, how a reply to a contact may go,
 * and sent templates as the customer read them (for the contact's thread).
 */
export const INBOX_CONTROLLERS: Type[] = [InboxController, ReplyOptionsController];
export const INBOX_PROVIDERS: Provider[] = [InboxRepository, InboxService, SentTemplates];
