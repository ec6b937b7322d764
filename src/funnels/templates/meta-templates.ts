import { ArgumentsHost, Catch, ExceptionFilter, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '../../common/logger.module';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { AccessTokens } from '../../numbers/access-tokens';
import { WhatsAppApiError } from '../../whatsapp/errors';
import { WhatsAppGraphClient } from '../../whatsapp/graph-client';
import type { MetaTemplateListing } from './validate-store-template';

/** The number whose WhatsApp Business account holds the templates (whatsapp_numbers, token sealed). */
export interface TemplatesNumber {
  whatsapp_number_id: string;
  waba_id: string;
  access_token: string;
}

/** Enough for one name in every language it has; more pages are followed up to the cap. */
const PAGE_SIZE = 100;
const MAX_PAGES = 10;

/** Meta's message templates of a WhatsApp Business account, read with the number's own token. */
@Injectable()
export class MetaTemplates {
  private readonly tokens: AccessTokens;
  private readonly logger: Logger;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.tokens = new AccessTokens(config.secrets);
    this.logger = logger.child({ component: 'whatsapp-graph' });
  }

  /** Every language of the template `name` (GET /{waba-id}/message_templates?name=…). Throws WhatsAppApiError. */
  async byName(number: TemplatesNumber, name: string): Promise<MetaTemplateListing[]> {
    const graph = new WhatsAppGraphClient({
      baseUrl: this.config.whatsapp.graphUrl,
      version: this.config.whatsapp.graphVersion,
      accessToken: this.tokens.open(number.whatsapp_number_id, number.access_token),
      logger: this.logger,
    });
    const found: MetaTemplateListing[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await graph.listMessageTemplates(number.waba_id, { name, fields: 'name,language,status,category,components,parameter_format', limit: PAGE_SIZE, after });
      const data = (res.data ?? []) as Array<Partial<MetaTemplateListing>>;
      // Keep the exact name only: the name filter is not documented as exact.
      for (const t of data) if (t.name === name && typeof t.language === 'string') found.push(t as MetaTemplateListing);
      after = (res as { paging?: { cursors?: { after?: string } } }).paging?.cursors?.after;
      if (!after || data.length < PAGE_SIZE) break;
    }
    return found;
  }
}

/** Meta refused or was not reached while a template was checked or synced: 502 with Meta's message. */
@Catch(WhatsAppApiError)
export class MetaTemplatesErrorFilter implements ExceptionFilter {
  catch(err: WhatsAppApiError, host: ArgumentsHost) {
    return host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(502)
      .send({ statusCode: 502, error: 'Bad Gateway', message: `Meta's message_templates: ${err.metaMessage ?? err.message}` });
  }
}
