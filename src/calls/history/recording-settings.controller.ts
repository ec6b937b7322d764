import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccountAdminOnly, CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { RecordingSettingsRepository, type RecordingSettings } from '../../recording/recording-settings.repository';
import { RecordingSettingsDto, RecordingSettingsView } from './recording-settings.dto';

function settingsView(s: RecordingSettings): RecordingSettingsView {
  return { enabled: s.enabled, retention_days: s.retentionDays, consent_message: s.consentMessage };
}

/** The account's recording policy: whether calls are recorded, for how long, what the customer is told. */
@ApiTags('calls')
@ApiBearerAuth()
@Controller('v1/call-recording-settings')
export class RecordingSettingsController {
  constructor(private readonly settings: RecordingSettingsRepository) {}

  @Get()
  @ApiOkResponse({ type: RecordingSettingsView, description: 'The defaults (recorded, kept 90 days, no consent message) until set' })
  async get(@CurrentPrincipal() principal: Principal): Promise<RecordingSettingsView> {
    return settingsView(await this.settings.get(principal.accountId));
  }

  @Put()
  @AccountAdminOnly()
  @ApiOkResponse({ type: RecordingSettingsView, description: 'Replaces the policy; every field is required (null where allowed)' })
  async put(@CurrentPrincipal() principal: Principal, @Body() dto: RecordingSettingsDto): Promise<RecordingSettingsView> {
    const saved = await this.settings.save(principal.accountId, {
      enabled: dto.enabled,
      retentionDays: dto.retention_days,
      consentMessage: dto.consent_message === '' ? null : dto.consent_message,
    });
    return settingsView(saved);
  }
}
