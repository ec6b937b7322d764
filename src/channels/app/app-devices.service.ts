import { Injectable, OnModuleInit } from '@nestjs/common';
import { InvalidFieldError, NotFoundError } from '../../common/errors';
import { ContactsRepository } from '../../contacts/contacts.repository';
import { ContactErasers } from '../../contacts/erasure/contact-eraser';
import { normaliseIdentity } from '../../contacts/identities';
import { AppDevicesRepository, type AppDeviceRow } from './app-devices.repository';
import type { AppDeviceView, RegisterAppDeviceDto } from './app-devices.dto';

/** Device tokens the business's backend registers for its app users; a contact with a device has the app installed. */
@Injectable()
export class AppDevicesService implements OnModuleInit {
  constructor(
    private readonly devices: AppDevicesRepository,
    private readonly contacts: ContactsRepository,
    private readonly erasers: ContactErasers,
  ) {}

  onModuleInit() {
    this.erasers.register({ name: 'app_devices', erase: (tx, contact) => this.devices.deleteForContact(tx, contact.accountId, contact.id) });
  }

  async register(accountId: string, dto: RegisterAppDeviceDto): Promise<{ created: boolean; device: AppDeviceView }> {
    const app = await this.devices.findAccountsAppChannelAccount(accountId, dto.channel_account_id);
    if (!app) throw new NotFoundError('app (channel account)', dto.channel_account_id);
    const user = normaliseIdentity('app', dto.app_user_id);
    if (!user.ok) throw new InvalidFieldError('app_user_id', user.message);
    return this.contacts.transaction(async (tx) => {
      // Found or created by the identity, and marked app_installed either way.
      const contact = await this.contacts.findOrCreateByIdentity(accountId, { kind: 'app', value: user.value }, null, tx);
      const { row, created } = await this.devices.upsert(tx, {
        accountId,
        contactId: contact.id,
        channelAccountId: app.id,
        appUserId: user.value,
        token: dto.token,
        platform: dto.platform,
      });
      return { created, device: view(row) };
    });
  }

  async remove(accountId: string, token: string, channelAccountId: string | null): Promise<void> {
    const removed = await this.contacts.transaction((tx) => this.devices.deleteToken(tx, accountId, token, channelAccountId));
    if (removed === 0) throw new NotFoundError('app device', token);
  }
}

function view(row: AppDeviceRow): AppDeviceView {
  const { channel_account_id, contact_id, app_user_id, token, platform, created_at, last_seen_at } = row;
  return { channel_account_id, contact_id, app_user_id, token, platform, created_at, last_seen_at };
}
