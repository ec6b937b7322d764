import { Controller, Get, Headers, HttpException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/auth';
import { InvalidFieldError } from '../common/errors';
import { CheckoutFormsRepository, type PublishedForm } from './checkout-forms.repository';
import { CheckoutIntentsService } from './checkout-intents.service';
import { renderCheckoutForm } from './form/checkout-form.page';
import { readFormBody } from './form/form-body';
import { FORM_MESSAGES, formLang, type FormLang } from './form/messages';
import { validateLead, type LeadField, type LeadFieldError } from './lead';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The public page a store links to or embeds: `GET /checkout/{formId}` shows the form (Portuguese
 * or English, no JavaScript), `POST` captures the lead exactly as `POST /v1/checkout-intents`
 * does and answers 303 to the gateway's pre-filled payment page — or the form again with every
 * error beside its field (422), or with a notice when the gateway is down (503).
 * A page for browsers, not part of the JSON API's contract; tested in a real Chromium.
 */
@Controller('checkout')
@ApiExcludeController()
export class HostedFormController {
  constructor(
    private readonly forms: CheckoutFormsRepository,
    private readonly checkouts: CheckoutIntentsService,
  ) {}

  @Get(':formId')
  @Public()
  async show(@Param('formId') formId: string, @Query('lang') lang: string | undefined, @Headers('accept-language') accept: string | undefined, @Res() reply: FastifyReply) {
    const form = await this.published(formId);
    const language = formLang(lang, accept);
    if (!form) return page(reply, 404, notFound(language));
    return page(reply, 200, this.render(form, language, {}));
  }

  @Post(':formId')
  @Public()
  async submit(@Param('formId') formId: string, @Headers('accept-language') accept: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    let fields: Record<string, string>;
    try {
      fields = Buffer.isBuffer(request.body) || typeof request.body === 'string' ? readFormBody(request.body) : {};
    } catch {
      fields = {};
    }
    const language = formLang(fields.lang ?? (request.query as { lang?: string }).lang, accept);
    const form = await this.published(formId);
    if (!form) return page(reply, 404, notFound(language));
    const values = { name: fields.name ?? '', email: fields.email ?? '', phone: fields.phone ?? '' };
    const lead = validateLead(values);
    if (!lead.ok) return page(reply, 422, this.render(form, language, { values, errors: lead.errors }));
    try {
      const { intent } = await this.checkouts.create(form.account_id, {
        storeId: form.store_id,
        formId: form.id,
        customer: values,
        product: form.product,
        plan: form.plan,
        amountMinor: String(form.amount_minor),
        currency: form.currency,
        abandonAfterMs: form.abandon_after_ms === null ? undefined : Number(form.abandon_after_ms),
      });
      // 303: the browser follows with a GET, and a reload does not post the form again.
      return reply.header('cache-control', 'no-store').redirect(intent.payment_url!, 303);
    } catch (err) {
      const fieldError = gatewayFieldError(err);
      if (fieldError) return page(reply, 422, this.render(form, language, { values, errors: [fieldError] }));
      const status = err instanceof HttpException ? err.getStatus() : 500;
      if (status === 503 || status === 502) return page(reply, 503, this.render(form, language, { values, notice: FORM_MESSAGES[language].gatewayUnavailable }));
      throw err;
    }
  }

  private async published(formId: string): Promise<PublishedForm | undefined> {
    return UUID.test(formId) ? this.forms.published(formId) : undefined;
  }

  private render(form: PublishedForm, lang: FormLang, extra: { values?: Partial<Record<LeadField, string>>; errors?: LeadFieldError[]; notice?: string }): string {
    return renderCheckoutForm({
      lang,
      action: `/checkout/${form.id}`,
      storeName: form.store_name,
      product: form.product,
      plan: form.plan,
      amountMinor: String(form.amount_minor),
      currency: form.currency,
      ...extra,
    });
  }
}

function page(reply: FastifyReply, status: number, html: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    // Embeddable in the store's own pages; no scripts of any origin.
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action *; base-uri 'none'")
    .header('referrer-policy', 'no-referrer')
    .send(html);
}

const NOT_FOUND: Record<FormLang, { title: string; text: string }> = {
  pt: { title: 'Página não encontrada', text: 'Este formulário de compra não existe mais. Fale com a loja.' },
  en: { title: 'Page not found', text: 'This checkout form no longer exists. Please contact the store.' },
};

function notFound(lang: FormLang): string {
  const t = NOT_FOUND[lang];
  return `<!doctype html><html lang="${lang === 'pt' ? 'pt-BR' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t.title}</title></head><body><main><h1>${t.title}</h1><p>${t.text}</p></main></body></html>`;
}

/** The gateway refused a field the customer typed (a phone it does not take): shown beside that field. */
function gatewayFieldError(err: unknown): LeadFieldError | null {
  if (!(err instanceof InvalidFieldError)) return null;
  if (err.field === 'customer.phone') return { field: 'phone', code: 'invalid_phone', message: err.message };
  if (err.field === 'customer.email') return { field: 'email', code: 'invalid_email', message: err.message };
  return null;
}
