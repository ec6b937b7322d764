import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth';
import { NotFoundError } from '../../common/errors';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { PlaybackLinks } from './playback-links';
import type { PlaybackLinkQuery, PlaybackLinkView } from './recording-playback.dto';
import { RecordingDownloadService, type RecordingDownload } from './recording-download.service';

type RecordingRef = { callId: string; recordingId: string };

/**
 * Signed playback links: given to whoever may download the recording (same account rule, same
 * 404), and honoured by the public route for a few minutes with the download's own Range
 * serving and audit, under the actor who asked for the link.
 */
@Injectable()
export class RecordingPlaybackService {
  private readonly links: PlaybackLinks;

  constructor(
    @Inject(CONFIG) config: Config,
    private readonly downloads: RecordingDownloadService,
  ) {
    this.links = new PlaybackLinks(config.secrets, config.callAudio.recordings.playbackLinkTtlMs);
  }

  async link(principal: Principal, keyHash: Buffer, ref: RecordingRef): Promise<PlaybackLinkView> {
    if (!(await this.downloads.exists(principal.accountId, ref))) throw new NotFoundError('recording', ref.recordingId);
    const actor = await this.downloads.actor(principal, keyHash);
    const { url, expiresAt } = this.links.issue({ accountId: principal.accountId, ...ref, actor });
    return { url, expires_at: expiresAt };
  }

  async play(query: PlaybackLinkQuery, ref: RecordingRef, request: { range?: string; ifRange?: string }): Promise<RecordingDownload> {
    const grant = { accountId: query.account_id, ...ref, actor: query.actor, expires: query.expires };
    const verdict = this.links.verify(grant, query.signature);
    if (!verdict.ok) {
      // Nothing of a link that does not verify is trusted, so nothing is read or audited for it.
      const message =
        verdict.reason === 'expired'
          ? `this playback link expired at ${new Date(query.expires * 1000).toISOString()}; ask POST /v1/calls/${ref.callId}/recordings/${ref.recordingId}/playback-link for a new one`
          : "this playback link's signature does not match it: the link was changed, is for another recording, or was signed with a key this server no longer holds";
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', message, field: verdict.reason === 'expired' ? 'expires' : 'signature' });
    }
    return this.downloads.download({ accountId: grant.accountId, actor: grant.actor }, ref, request);
  }
}
