import type { Pool } from 'pg';
import { MessagesRepository } from '../src/messages/messages.repository';
import { RealtimeRepository } from '../src/realtime/realtime.repository';
import { WhatsAppGraphClient } from '../src/whatsapp/graph-client';
import { CallPermissionsRepository } from '../src/calls/call-permissions.repository';
import { CallsRepository } from '../src/calls/calls.repository';
import { createLiveKitActivities } from './livekit';
import { createInboundCallActivities } from './inbound-calls';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { InboundCallsRepository } from '../src/calls/inbound-calls.repository';
import { createCallActivities } from './calls';
import { createChannelSendActivities } from './channel-send';
import { createDispatchActivities } from './dispatch';
import { createOutboxActivities } from './outbox';
import { createFunnelActivities } from './funnels';
import { ChannelAccountsRepository } from '../src/channels/accounts/channel-accounts.repository';
import { ChannelSecrets } from '../src/channels/accounts/channel-secrets';
import { createChannelDrivers } from '../src/channels/drivers';
import { createRecordingConsentActivities } from './recording-consent';
import { AccessTokens, type SealedTokenRow } from '../src/numbers/access-tokens';
import type { SecretKeys } from '../src/secrets/secrets';
import type { Client as TypesenseClient } from 'typesense';
import { durationMs, type Config } from '../src/config/config';
import { ContactIndexer } from '../src/contacts/index/contact-indexer';
import { ContactStateRepository } from '../src/contacts/index/contact-state.repository';
import { ContactIndexOutboxRepository } from '../src/contacts/index/outbox.repository';
import { createContactIndexActivities } from './contact-index';
import type { CallAudioConfig } from '../src/config/call-audio.config';
import { createRecordingStorage } from '../src/recording/create-storage';
import { PostCallRepository } from '../src/calls/postcall/postcall.repository';
import { CallEventsRepository } from '../src/calls/call-events.repository';
import { RecordingSettingsRepository } from '../src/recording/recording-settings.repository';
import { createPostCallActivities } from './post-call';
import { createAiClient } from './openai';
import { createRecordingActivities } from './recording';
import { createRecorder } from '../src/recording/create-recorder';
import { RecordingsRepository } from '../src/recording/recordings.repository';
import { createKeywordCallbackActivities } from './keyword-callback';
import { createCheckoutActivities } from './checkout';
import type { CrmConfig } from '../src/crm/crm.config';

export interface ActivityDeps {
  pool: Pool;
  whatsapp: { graphUrl: string; graphVersion: string };
  livekit: { url: string; apiKey: string; apiSecret: string; connectorUrl: string };
  calls: { permissionRequestText: string; missedCallText: string; outsideHoursText: string };
  secrets: SecretKeys;
  callAudio: CallAudioConfig;
  channels: Config['channels'];
  funnels: { publicUrl: string; expireAfterMs: number; staleAfterMs: number };
  outbox: Config['outbox'];
  messages: Config['messages'];
  crm: CrmConfig;
}

/** Every activity the worker registers, with its clients injected. */
export function createActivities({ pool, whatsapp, livekit, calls, secrets, callAudio, channels, funnels, outbox, messages: sends, crm }: ActivityDeps) {
  const messages = new MessagesRepository(pool);
  const realtime = new RealtimeRepository(pool);
  const livekitActivities = createLiveKitActivities({ ...livekit, whatsappCloudApiVersion: whatsapp.graphVersion });
  const callsRepository = new CallsRepository(pool);
  // The worker's one place that opens a number's token: for the Graph or Connector request being built.
  const tokens = new AccessTokens(secrets);
  const accessToken = (row: SealedTokenRow) => tokens.openRow(row);
  const graphClient = (row: SealedTokenRow) =>
    new WhatsAppGraphClient({ baseUrl: whatsapp.graphUrl, version: whatsapp.graphVersion, accessToken: accessToken(row) });
  const storage = createRecordingStorage(callAudio.recordings);
  const channelActivities = () => {
    const drivers = createChannelDrivers({ pool, secrets, whatsapp, telegram: channels.telegram, appPush: channels.appPush, email: channels.email });
    const channelAccounts = new ChannelAccountsRepository(pool);
    const channelSecrets = new ChannelSecrets(secrets);
    const send = createChannelSendActivities({ messages, channelAccounts, secrets: channelSecrets, drivers, realtime, prices: channels.prices });
    return {
      ...send,
      // The name sends started before channels were drivers recorded in their histories.
      sendWhatsAppMessage: send.sendChannelMessage,
      ...createDispatchActivities({ pool, messages, channelAccounts, drivers, prices: channels.prices }),
      ...createOutboxActivities({ pool, drivers, prices: channels.prices, outbox, receiptTimeout: channels.receiptTimeout, messages: sends }),
    };
  };
  return {
    ...livekitActivities,
    ...createRecordingActivities({
      calls: callsRepository,
      settings: new RecordingSettingsRepository(pool),
      events: new CallEventsRepository(pool),
      recordings: new RecordingsRepository(pool),
      recorder: createRecorder(callAudio.recordings, livekit, storage),
    }),
    ...createPostCallActivities({
      postcall: new PostCallRepository(pool),
      storage,
      ai: createAiClient(callAudio.ai),
      maxUploadBytes: callAudio.ai.maxUploadBytes,
    }),
    ...createCallActivities({
      events: new CallEventsRepository(pool),
      recordingSettings: new RecordingSettingsRepository(pool),
      permissions: new CallPermissionsRepository(pool),
      calls: callsRepository,
      livekit: livekitActivities,
      messages,
      realtime,
      accessToken,
      permissionRequestText: calls.permissionRequestText,
    }),
    ...channelActivities(),
    ...createFunnelActivities({ pool, secrets, ...funnels }),
    ...createKeywordCallbackActivities({ pool, secrets }),
    ...createCheckoutActivities({ pool, secrets, crm }),
    ...createInboundCallActivities({
      inbound: new InboundCallsRepository(pool),
      calls: callsRepository,
      contacts: new ContactsRepository(pool),
      messages,
      realtime,
      livekit: livekitActivities,
      graphClient,
      accessToken,
      texts: { missed: calls.missedCallText, outsideHours: calls.outsideHoursText },
    }),
    ...createRecordingConsentActivities({
      calls: callsRepository,
      contacts: new ContactsRepository(pool),
      settings: new RecordingSettingsRepository(pool),
      messages,
      events: new CallEventsRepository(pool),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;

export interface ContactIndexDeps {
  pool: Pool;
  typesense: TypesenseClient;
  /** the alias, config.typesense.collection */
  collection: string;
  contactIndex: Config['contactIndex'];
}

/** The contact index's activities, registered by the worker polling config.contactIndex.taskQueue. */
export function createContactIndexActivitiesFor({ pool, typesense, collection, contactIndex }: ContactIndexDeps) {
  const outbox = new ContactIndexOutboxRepository(pool);
  const indexer = new ContactIndexer({
    outbox,
    states: new ContactStateRepository(pool),
    typesense,
    collection,
    batchSize: contactIndex.batchSize,
    leaseMs: durationMs(contactIndex.lease),
    retry: { maxAttempts: contactIndex.maxAttempts, backoffMs: durationMs(contactIndex.retryBackoff) },
  });
  return createContactIndexActivities({ indexer, outbox });
}
