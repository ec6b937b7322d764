import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../common/errors';
import type { ConnectNumberDto, NumberView } from './numbers.dto';
import { NumbersRepository, WhatsAppNumberRow } from './numbers.repository';

function view(row: WhatsAppNumberRow): NumberView {
  return {
    id: row.id,
    phone_number_id: row.phone_number_id,
    waba_id: row.waba_id,
    display_phone_number: row.display_phone_number,
    created_at: row.created_at,
  };
}

@Injectable()
export class NumbersService {
  constructor(private readonly repository: NumbersRepository) {}

  async connect(accountId: string, dto: ConnectNumberDto): Promise<NumberView> {
    const row = await this.repository.insert(accountId, dto);
    if (!row) throw new ConflictError(`phone_number_id: ${dto.phone_number_id} is already connected`);
    return view(row);
  }

  async list(accountId: string): Promise<NumberView[]> {
    return (await this.repository.list(accountId)).map(view);
  }

  async get(accountId: string, id: string): Promise<WhatsAppNumberRow> {
    const row = await this.repository.findById(accountId, id);
    if (!row) throw new NotFoundError('whatsapp number', id);
    return row;
  }
}
