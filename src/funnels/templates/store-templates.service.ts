import { Injectable } from '@nestjs/common';
import { InvalidFieldError, NotFoundError } from '../../common/errors';
import type { StoreTemplateRow } from '../model';
import { MetaTemplates, type TemplatesNumber } from './meta-templates';
import { StoreTemplatesRepository, type MetaTemplateRecord, type TemplateStore } from './store-templates.repository';
import type { StoreTemplateDto, StoreTemplateView } from './store-templates.dto';
import { checkMetaTemplate, validateStoreTemplate, type MetaTemplateListing, type ValidStoreTemplate } from './validate-store-template';

/** A linked template Meta no longer lists (deleted, or renamed): recorded as this status. */
export const META_TEMPLATE_NOT_FOUND = 'NOT_FOUND';

/** A store's templates per canonical event, checked against WhatsApp's limits and Meta's approved templates. */
@Injectable()
export class StoreTemplatesService {
  constructor(
    private readonly templates: StoreTemplatesRepository,
    private readonly meta: MetaTemplates,
  ) {}

  async create(accountId: string, storeId: string, dto: StoreTemplateDto): Promise<StoreTemplateView> {
    const store = await this.store(accountId, storeId);
    const valid = validateStoreTemplate(dto);
    return view(await this.templates.insert(store, valid, await this.linkedMeta(store, valid)));
  }

  async list(accountId: string, storeId: string, eventType?: string): Promise<StoreTemplateView[]> {
    await this.store(accountId, storeId);
    return (await this.templates.list(storeId, eventType)).map(view);
  }

  async get(accountId: string, storeId: string, id: string): Promise<StoreTemplateView> {
    await this.store(accountId, storeId);
    return view(await this.found(storeId, id));
  }

  /** PUT replaces the whole template (enable/disable is a PUT with `enabled`). */
  async replace(accountId: string, storeId: string, id: string, dto: StoreTemplateDto): Promise<StoreTemplateView> {
    const store = await this.store(accountId, storeId);
    await this.found(storeId, id);
    const valid = validateStoreTemplate(dto);
    const saved = await this.templates.replace(storeId, id, valid, await this.linkedMeta(store, valid));
    if (!saved) throw new NotFoundError('template', id);
    return view(saved);
  }

  async remove(accountId: string, storeId: string, id: string): Promise<void> {
    await this.store(accountId, storeId);
    if (!(await this.templates.delete(storeId, id))) throw new NotFoundError('template', id);
  }

  /** Re-reads every linked Meta template (status, category, components) and records it; returns the store's templates. */
  async sync(accountId: string, storeId: string): Promise<StoreTemplateView[]> {
    const store = await this.store(accountId, storeId);
    const linked = (await this.templates.list(storeId)).filter((t) => t.meta_template);
    if (linked.length) {
      const number = this.number(store);
      const byName = new Map<string, MetaTemplateListing[]>();
      for (const name of new Set(linked.map((t) => t.meta_template!.name))) byName.set(name, await this.meta.byName(number, name));
      const syncedAt = new Date().toISOString();
      for (const t of linked) {
        const ref = t.meta_template!;
        const found = byName.get(ref.name)!.find((m) => m.language === ref.language);
        await this.templates.recordMeta(storeId, t.id, found ? metaRecord(ref, found, syncedAt) : { name: ref.name, language: ref.language, status: META_TEMPLATE_NOT_FOUND, synced_at: syncedAt });
      }
    }
    return (await this.templates.list(storeId)).map(view);
  }

  private async store(accountId: string, storeId: string): Promise<TemplateStore> {
    const store = await this.templates.store(accountId, storeId);
    if (!store) throw new NotFoundError('store', storeId);
    return store;
  }

  private async found(storeId: string, id: string): Promise<StoreTemplateRow> {
    const row = await this.templates.find(storeId, id);
    if (!row) throw new NotFoundError('template', id);
    return row;
  }

  private number(store: TemplateStore): TemplatesNumber {
    if (store.channel !== 'whatsapp' || !store.whatsapp_number_id || !store.waba_id || !store.access_token) {
      throw new InvalidFieldError('meta_template', `Meta templates belong to a WhatsApp number; the store's instance is a ${store.channel} account`);
    }
    return { whatsapp_number_id: store.whatsapp_number_id, waba_id: store.waba_id, access_token: store.access_token };
  }

  /** The linked Meta template as Meta has it now, once it passes checkMetaTemplate. */
  private async linkedMeta(store: TemplateStore, valid: ValidStoreTemplate): Promise<MetaTemplateRecord | null> {
    const ref = valid.meta_template;
    if (!ref) return null;
    const found = (await this.meta.byName(this.number(store), ref.name)).find((m) => m.language === ref.language);
    checkMetaTemplate(found, valid);
    return metaRecord(ref, found!, new Date().toISOString());
  }
}

function metaRecord(ref: { name: string; language: string }, found: MetaTemplateListing, syncedAt: string): MetaTemplateRecord {
  return {
    name: ref.name,
    language: ref.language,
    status: found.status,
    category: found.category,
    components: found.components ?? [],
    ...(found.parameter_format ? { parameter_format: found.parameter_format } : {}),
    synced_at: syncedAt,
  };
}

function view(row: StoreTemplateRow): StoreTemplateView {
  return {
    id: row.id,
    store_id: row.store_id,
    event_type: row.event_type,
    step: row.step,
    variant: row.variant,
    weight: row.weight,
    enabled: row.enabled,
    category: row.category,
    content: row.content,
    meta_template: row.meta_template,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
