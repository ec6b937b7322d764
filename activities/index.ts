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
import { createWhatsAppActivities } from './whatsapp';
import { AccessTokens, type SealedTokenRow } from '../src/numbers/access-tokens';
import type { SecretKeys } from '../src/secrets/secrets';

export interface ActivityDeps {
  pool: Pool;
  whatsapp: { graphUrl: string; graphVersion: string };
  livekit: { url: string; apiKey: string; apiSecret: string; connectorUrl: string };
  calls: { permissionRequestText: string; missedCallText: string; outsideHoursText: string };
  secrets: SecretKeys;
}

/** Every activity the worker registers, with its clients injected. */
export function createActivities({ pool, whatsapp, livekit, calls, secrets }: ActivityDeps) {
  const messages = new MessagesRepository(pool);
  const realtime = new RealtimeRepository(pool);
  const livekitActivities = createLiveKitActivities({ ...livekit, whatsappCloudApiVersion: whatsapp.graphVersion });
  const callsRepository = new CallsRepository(pool);
  // The worker's one place that opens a number's token: for the Graph or Connector request being built.
  const tokens = new AccessTokens(secrets);
  const accessToken = (row: SealedTokenRow) => tokens.openRow(row);
  const graphClient = (row: SealedTokenRow) =>
    new WhatsAppGraphClient({ baseUrl: whatsapp.graphUrl, version: whatsapp.graphVersion, accessToken: accessToken(row) });
  return {
    ...livekitActivities,
    ...createCallActivities({
      permissions: new CallPermissionsRepository(pool),
      calls: callsRepository,
      livekit: livekitActivities,
      messages,
      realtime,
      accessToken,
      permissionRequestText: calls.permissionRequestText,
    }),
    ...createWhatsAppActivities({
      messages,
      realtime,
      graphClient,
    }),
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
  };
}

export type Activities = ReturnType<typeof createActivities>;
