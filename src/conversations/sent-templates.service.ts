import { Injectable } from '@nestjs/common';
import type { MessageRow } from '../messages/messages.repository';
import { InboxRepository, type TemplateDefinitionRow } from './inbox.repository';
import type { RenderedTemplateView } from './sent-template.dto';
import { renderTemplate } from './template-text';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Cloud API `template` object of an outbound WhatsApp template message, with its name and language. */
function sentTemplate(m: MessageRow): { template: Json; name: string; language: string } | undefined {
  if (m.channel !== 'whatsapp' || m.direction !== 'outbound' || m.type !== 'template' || !isObject(m.body.template)) return undefined;
  const template = m.body.template;
  const language = isObject(template.language) ? template.language.code : template.language;
  if (typeof template.name !== 'string' || typeof language !== 'string') return undefined;
  return { template, name: template.name, language };
}

/** Template messages as the customer read them, from the definitions the account's stores synced from Meta. */
@Injectable()
export class SentTemplates {
  constructor(private readonly repository: InboxRepository) {}

  /** Per message id, its rendered template; messages that are no template, or of an unknown one, are absent. */
  async render(accountId: string, messages: MessageRow[]): Promise<Map<string, RenderedTemplateView>> {
    const sent = messages.flatMap((m) => {
      const found = sentTemplate(m);
      return found ? [{ message: m, ...found }] : [];
    });
    const rendered = new Map<string, RenderedTemplateView>();
    if (sent.length === 0) return rendered;
    const definitions = await this.repository.templateDefinitions(accountId, [...new Set(sent.map((s) => s.name))]);
    for (const s of sent) {
      const definition = pickDefinition(definitions, s.name, s.language, s.message.channel_account_id);
      const text = definition && renderTemplate(definition.components, s.template);
      if (text) rendered.set(s.message.id, { name: s.name, language: s.language, ...text });
    }
    return rendered;
  }
}

/**
 * The definition a send used: same name and language, preferably synced for a store on the number
 * the message went from (another number's WhatsApp Business account may have its own template of that name).
 * Definitions come newest first.
 */
function pickDefinition(definitions: TemplateDefinitionRow[], name: string, language: string, channelAccountId: string) {
  const candidates = definitions.filter((d) => d.name === name && d.language === language);
  return candidates.find((d) => d.channel_account_id === channelAccountId) ?? candidates[0];
}
