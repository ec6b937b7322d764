import { ApplicationFailure } from '@temporalio/common';
import { ParticipantInfo, RoomServiceClient, ServerError, TrackInfo, TrackType } from 'livekit-server-sdk';
import { createLiveKitActivities } from './livekit';
import { classifyLiveKitError, isCallAlreadyEnded, LIVEKIT_REQUEST_ERROR, LiveKitTransientError, redact } from './livekit-errors';

const deps = {
  url: 'http://livekit.invalid:7880',
  apiKey: 'devkey',
  apiSecret: 'secret',
  connectorUrl: 'http://connector.invalid',
  whatsappCloudApiVersion: 'v23.0',
};

describe('classifyLiveKitError', () => {
  it.each([
    [400, 'invalid_argument'],
    [401, 'unauthenticated'],
    [403, 'permission_denied'],
    [404, 'not_found'],
    [412, 'failed_precondition'],
    [501, 'unimplemented'],
    [404, undefined],
    [422, undefined],
  ])('%i %s is permanent', (status, code) => {
    const err = classifyLiveKitError('Op', new ServerError('x', 'rejected', status, code));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).type).toBe(LIVEKIT_REQUEST_ERROR);
    expect((err as ApplicationFailure).details).toEqual([{ operation: 'Op', status, code: code ?? null, message: 'rejected' }]);
  });

  it.each([
    [500, 'internal'],
    [503, 'unavailable'],
    [429, 'resource_exhausted'],
    [408, 'deadline_exceeded'],
    [409, 'aborted'],
    [502, undefined],
    [429, undefined],
  ])('%i %s is retryable', (status, code) => {
    const err = classifyLiveKitError('Op', new ServerError('x', 'busy', status, code));
    expect(err).toBeInstanceOf(LiveKitTransientError);
    expect(err).toMatchObject({ name: 'LiveKitTransientError', status });
  });

  it('treats transport errors as retryable and names their cause', () => {
    const err = classifyLiveKitError('Op', new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }));
    expect(err).toBeInstanceOf(LiveKitTransientError);
    expect(err.message).toBe('LiveKit Op failed: TypeError: fetch failed (ECONNRESET)');
  });

  it('passes an ApplicationFailure through', () => {
    const failure = ApplicationFailure.nonRetryable('bad', 'X');
    expect(classifyLiveKitError('Op', failure)).toBe(failure);
  });

  it('redacts JWTs and the secrets it is given', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    const err = classifyLiveKitError('Op', new ServerError('x', `invalid token: ${jwt} for EAAGsecret`, 401), ['EAAGsecret']);
    expect(err.message).toBe('LiveKit Op failed with 401: invalid token: [redacted token] for [redacted]');
    expect(redact('no secrets here')).toBe('no secrets here');
  });
});

describe('createLiveKitActivities', () => {
  afterEach(() => jest.restoreAllMocks());

  it('rejects a WhatsApp API version it cannot read', () => {
    expect(() => createLiveKitActivities({ ...deps, whatsappCloudApiVersion: 'latest' })).toThrow(/whatsappCloudApiVersion/);
  });

  it('mutes every audio track of the participant, and only those', async () => {
    jest.spyOn(RoomServiceClient.prototype, 'getParticipant').mockResolvedValue(
      new ParticipantInfo({
        identity: 'agent-1',
        tracks: [
          new TrackInfo({ sid: 'TR_mic', type: TrackType.AUDIO }),
          new TrackInfo({ sid: 'TR_cam', type: TrackType.VIDEO }),
          new TrackInfo({ sid: 'TR_share_audio', type: TrackType.AUDIO }),
        ],
      }),
    );
    const mute = jest.spyOn(RoomServiceClient.prototype, 'mutePublishedTrack').mockResolvedValue(new TrackInfo());

    const result = await createLiveKitActivities(deps).muteParticipant({ roomName: 'r', identity: 'agent-1', muted: true });
    expect(result).toEqual({ trackSids: ['TR_mic', 'TR_share_audio'] });
    expect(mute.mock.calls).toEqual([
      ['r', 'agent-1', 'TR_mic', true],
      ['r', 'agent-1', 'TR_share_audio', true],
    ]);
  });

  it('reports the join URL as a WebSocket URL, preferring publicUrl', async () => {
    const local = await createLiveKitActivities(deps).issueJoinToken({ roomName: 'r', identity: 'i' });
    expect(local.url).toBe('ws://livekit.invalid:7880');
    const published = await createLiveKitActivities({ ...deps, publicUrl: 'https://media.example.com' }).issueJoinToken({
      roomName: 'r',
      identity: 'i',
    });
    expect(published.url).toBe('wss://media.example.com');
  });
});

describe('isCallAlreadyEnded', () => {
  const twirp = (status: number, code: string, message: string, metadata?: Record<string, string>) =>
    new ServerError('TwirpError', message, status, code, metadata);

  it("recognises the Connector's not_found and Meta's 'already ended' passed on as invalid_argument", () => {
    expect(isCallAlreadyEnded(twirp(404, 'not_found', 'whatsapp call not found: wacid.1'))).toBe(true);
    expect(
      isCallAlreadyEnded(
        twirp(400, 'invalid_argument', 'whatsapp: terminate failed: (#100) call wacid.1 has already ended', { whatsapp_error_code: '100' }),
      ),
    ).toBe(true);
  });

  it('leaves other refusals and transport errors alone', () => {
    expect(isCallAlreadyEnded(twirp(400, 'invalid_argument', 'whatsapp api key is required'))).toBe(false);
    expect(isCallAlreadyEnded(twirp(401, 'unauthenticated', 'invalid token'))).toBe(false);
    expect(isCallAlreadyEnded(new TypeError('fetch failed'))).toBe(false);
  });
});
