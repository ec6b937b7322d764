import { SimControlError } from './payloads';

/** The simulator's message-template registry: a few approved defaults plus what tests add. */

export type ParameterFormat = 'POSITIONAL' | 'NAMED';

export interface SimTemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: Array<{ type: string; text: string }>;
  example?: { body_text?: string[][]; body_text_named_params?: Array<{ param_name: string; example: string }> };
}

export interface SimTemplate {
  id: string;
  name: string;
  language: string;
  category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';
  status: 'APPROVED' | 'PENDING' | 'REJECTED' | 'PAUSED' | 'DISABLED';
  /** POSITIONAL templates write {{1}}, {{2}}…; NAMED ones write {{first_name}} and a send names each parameter. */
  parameter_format: ParameterFormat;
  components: SimTemplateComponent[];
}

const PARAMETER_FORMATS: readonly ParameterFormat[] = ['POSITIONAL', 'NAMED'];

/** Approved templates every simulator starts with (pt_BR, as the seeds' customers are Brazilian). */
export function defaultTemplates(): SimTemplate[] {
  let id = 900_000_000_000_000;
  const t = (
    name: string,
    language: string,
    category: SimTemplate['category'],
    components: SimTemplate['components'],
    parameterFormat: ParameterFormat = 'POSITIONAL',
  ): SimTemplate => ({
    id: String(++id),
    name,
    language,
    category,
    status: 'APPROVED',
    parameter_format: parameterFormat,
    components,
  });
  return [
    t('hello_world', 'en_US', 'UTILITY', [
      { type: 'HEADER', format: 'TEXT', text: 'Hello World' },
      { type: 'BODY', text: 'Welcome and congratulations!! This message demonstrates your ability to send a message notification.' },
    ]),
    t('pedido_atualizado', 'pt_BR', 'UTILITY', [{ type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} foi atualizado: {{3}}.' }]),
    t('boleto_lembrete', 'pt_BR', 'UTILITY', [{ type: 'BODY', text: 'Olá {{1}}, seu boleto de {{2}} vence em {{3}}. Código: {{4}}' }]),
    t('carrinho_abandonado', 'pt_BR', 'MARKETING', [
      { type: 'BODY', text: 'Oi {{1}}, você esqueceu itens no carrinho. Finalize sua compra!' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Parar promoções' }] },
    ]),
    t('permissao_ligacao', 'pt_BR', 'UTILITY', [
      { type: 'BODY', text: 'Olá {{1}}, podemos te ligar pelo WhatsApp para falar sobre {{2}}?' },
      { type: 'CALL_PERMISSION_REQUEST' },
    ]),
    t(
      'pedido_enviado',
      'pt_BR',
      'UTILITY',
      [
        {
          type: 'BODY',
          text: 'Olá {{nome}}, seu pedido {{pedido}} foi enviado.',
          example: { body_text_named_params: [{ param_name: 'nome', example: 'Ana' }, { param_name: 'pedido', example: '1042' }] },
        },
      ],
      'NAMED',
    ),
  ];
}

export class TemplateRegistry {
  private templates = defaultTemplates();

  reset(): void {
    this.templates = defaultTemplates();
  }

  add(input: Partial<SimTemplate> & { name: string }): SimTemplate {
    if (typeof input.name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(input.name)) {
      throw new SimControlError('template name must be lowercase letters, digits and _', 400);
    }
    if (input.parameter_format !== undefined && !PARAMETER_FORMATS.includes(input.parameter_format)) {
      throw new SimControlError('parameter_format must be POSITIONAL or NAMED', 400);
    }
    const template: SimTemplate = {
      id: input.id ?? String(910_000_000_000_000 + this.templates.length),
      name: input.name,
      language: input.language ?? 'pt_BR',
      category: input.category ?? 'UTILITY',
      status: input.status ?? 'APPROVED',
      // Meta's default when a template is created without parameter_format.
      parameter_format: input.parameter_format ?? 'POSITIONAL',
      components: input.components ?? [{ type: 'BODY', text: 'Mensagem' }],
    };
    this.templates = this.templates.filter((t) => !(t.name === template.name && t.language === template.language));
    this.templates.push(template);
    return template;
  }

  findApproved(name: string, language: string): SimTemplate | undefined {
    return this.templates.find((t) => t.name === name && t.language === language && t.status === 'APPROVED');
  }

  /** GET /{waba-id}/message_templates: filters by name, status, language, category; cursor paging. */
  list(query: Record<string, string | undefined>) {
    const data = this.templates
      .filter((t) => (!query.name || t.name === query.name) && (!query.status || t.status === query.status.toUpperCase()))
      .filter((t) => (!query.language || t.language === query.language) && (!query.category || t.category === query.category.toUpperCase()))
      .map(({ id, name, language, category, status, parameter_format, components }) => ({
        id,
        name,
        language,
        category,
        status,
        parameter_format,
        components,
      }));
    const limit = Math.max(1, Number(query.limit) || 25);
    const start = Number(Buffer.from(query.after ?? '', 'base64url').toString() || 0);
    const after = start + limit < data.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
    return {
      data: data.slice(start, start + limit),
      paging: { cursors: { before: Buffer.from(String(start)).toString('base64url'), ...(after ? { after } : {}) } },
    };
  }
}

const bodyText = (template: SimTemplate) => template.components.find((c) => c.type === 'BODY')?.text ?? '';

/** Number of distinct {{n}} placeholders in a template's BODY. */
export function bodyParameterCount(template: SimTemplate): number {
  if (template.parameter_format === 'NAMED') return bodyParameterNames(template).length;
  return new Set(bodyText(template).match(/\{\{\s*\d+\s*\}\}/g) ?? []).size;
}

/** The distinct {{name}} placeholders of a NAMED template's BODY, in order of first use. */
export function bodyParameterNames(template: SimTemplate): string[] {
  return [...new Set([...bodyText(template).matchAll(/\{\{\s*([a-z0-9_]+)\s*\}\}/g)].map((m) => m[1]))];
}

/** Whether sending the template asks the customer for call permission. */
export function asksCallPermission(template: SimTemplate): boolean {
  return template.components.some((c) => c.type === 'CALL_PERMISSION_REQUEST');
}
