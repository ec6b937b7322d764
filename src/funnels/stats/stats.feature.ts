import type { Provider, Type } from '@nestjs/common';
import { KeywordReplies } from '../keywords/keyword-replies';
import { KeywordTriggersController } from '../keywords/keyword-triggers.controller';
import { KeywordTriggersRepository } from '../keywords/keyword-triggers.repository';
import { TrackedLinksController } from '../links/tracked-links.controller';
import { StatsController } from './stats.controller';
import { StatsRepository } from './stats.repository';
import { StatsService } from './stats.service';

/**
 * What funnel messages led to: GET /r/{token} (tracked links), replies and reply keywords
 * (GET /v1/stores/{id}/keyword-triggers), GET /v1/stores/{id}/stats[/recipients]. Needs
 * Conversations (reply hook) and ContactErasers from the core features.
 */
export const FUNNEL_STATS_CONTROLLERS: Type[] = [TrackedLinksController, StatsController, KeywordTriggersController];
export const FUNNEL_STATS_PROVIDERS: Provider[] = [StatsRepository, StatsService, KeywordTriggersRepository, KeywordReplies];
