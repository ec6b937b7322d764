import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, type Provider, type Type } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../../common/logger.module';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { InboundDeliveriesService } from '../../webhooks/inbound-deliveries.service';
import { ChannelAccountsRepository } from '../accounts/channel-accounts.repository';
import { ChannelSecrets } from '../accounts/channel-secrets';
import type { EmailConfig } from './email.config';
import { createEmailDriver } from './email.driver';
import { EmailInboundHandler } from './email.handler';
import { EmailRepository } from './email.repository';
import { ImapReceiver } from './imap-receiver';

/** The e-mail channel's settings (src/channels/email/email.config.ts), read once from the environment. */
export const EMAIL_CONFIG = Symbol('EMAIL_CONFIG');

export { createEmailDriver };

/** The IMAP receiver as the API runs it: every e-mail channel account read from start-up to shutdown. */
@Injectable()
export class ImapReceiverService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly receiver: ImapReceiver;

  constructor(
    @Inject(EMAIL_CONFIG) private readonly config: EmailConfig,
    @Inject(CONFIG) appConfig: Config,
    @Inject(LOGGER) logger: Logger,
    accounts: ChannelAccountsRepository,
    mailboxes: EmailRepository,
    deliveries: InboundDeliveriesService,
  ) {
    const driver = createEmailDriver(config);
    this.receiver = new ImapReceiver({
      accounts,
      secrets: new ChannelSecrets(appConfig.secrets),
      mailboxes,
      deliveries,
      login: (account) => driver.login(account),
      logger: logger.child({ component: 'imap-receiver' }),
      config: { ...config.receiver, serverTimeoutMs: config.serverTimeoutMs },
    });
  }

  /** After every module's init: the inbound handler is registered with the pipeline by then. */
  async onApplicationBootstrap() {
    if (this.config.receiver.enabled) await this.receiver.start();
  }

  async onModuleDestroy() {
    await this.receiver.stop();
  }
}

export const EMAIL_CONTROLLERS: Type[] = [];
export const EMAIL_PROVIDERS: Provider[] = [
  { provide: EMAIL_CONFIG, inject: [CONFIG], useFactory: (config: Config) => config.channels.email },
  EmailRepository,
  EmailInboundHandler,
  ImapReceiverService,
];
