import type { Provider, Type } from '@nestjs/common';
import { InboxController, ReplyOptionsController } from './inbox.controller';
import { InboxRepository } from './inbox.repository';
import { InboxService } from './inbox.service';

/** The agents' inbox: conversations across channels, read markers, and how a reply to a contact may go. */
export const INBOX_CONTROLLERS: Type[] = [InboxController, ReplyOptionsController];
export const INBOX_PROVIDERS: Provider[] = [InboxRepository, InboxService];
