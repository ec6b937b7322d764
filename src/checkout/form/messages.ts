import type { LeadErrorCode, LeadField, LeadFieldError } from '../lead';
import { EMAIL_MAX_CHARS, NAME_MAX_CHARS } from '../lead';

/** Every text of the hosted checkout form, in each language it speaks. Portuguese first: most stores are Brazilian. */
export const FORM_LANGS = ['pt', 'en'] as const;
export type FormLang = (typeof FORM_LANGS)[number];
export const DEFAULT_FORM_LANG: FormLang = 'pt';

/** The page's language: an explicit `?lang=` wins (the language link), then the browser's Accept-Language. */
export function formLang(query?: string, acceptLanguage?: string): FormLang {
  const asked = supportedLang(query);
  if (asked) return asked;
  return preferredLang(acceptLanguage ?? '') ?? DEFAULT_FORM_LANG;
}

function supportedLang(tag: string | undefined): FormLang | null {
  const primary = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return (FORM_LANGS as readonly string[]).includes(primary) ? (primary as FormLang) : null;
}

/** The supported language the browser ranks highest ("en-US,en;q=0.9,pt;q=0.8" → en); q=0 means "not this one". */
function preferredLang(acceptLanguage: string): FormLang | null {
  let best: { lang: FormLang; q: number } | null = null;
  for (const part of acceptLanguage.split(',')) {
    const [tag, ...params] = part.split(';');
    const lang = supportedLang(tag);
    if (!lang) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { lang, q };
  }
  return best?.lang ?? null;
}

/** For each field, the codes validateLead can give it. */
interface FieldErrorTexts {
  name: Record<'required' | 'too_long', string>;
  email: Record<'required' | 'too_long' | 'invalid_email', string>;
  phone: Record<'required' | 'invalid_phone', string>;
}

export interface FormMessages {
  /** <html lang>, and the locale amounts are formatted in. */
  htmlLang: string;
  title: string;
  /** Put before the title when the page shows errors, so a screen reader hears it first. */
  errorTitlePrefix: string;
  intro: string;
  allRequired: string;
  orderHeading: string;
  product: string;
  plan: string;
  amount: string;
  detailsHeading: string;
  labels: Record<LeadField, string>;
  phoneHint: string;
  errorSummaryHeading: string;
  /** Read before an inline error, visually hidden: the red colour alone does not say "error". */
  errorPrefix: string;
  fieldErrors: FieldErrorTexts;
  submit: string;
  afterSubmit: string;
  /** Shown when the store's payment gateway could not be reached; the customer's data is kept. */
  gatewayUnavailable: string;
  /** The link to the page in the other language, written in that language. */
  switchTo: { lang: FormLang; htmlLang: string; label: string };
}

export const FORM_MESSAGES: Record<FormLang, FormMessages> = {
  pt: {
    htmlLang: 'pt-BR',
    title: 'Finalize sua compra',
    errorTitlePrefix: 'Erro: ',
    intro: 'Informe seus dados para continuar para o pagamento.',
    allRequired: 'Todos os campos são obrigatórios.',
    orderHeading: 'Seu pedido',
    product: 'Produto',
    plan: 'Plano',
    amount: 'Valor',
    detailsHeading: 'Seus dados',
    labels: { name: 'Nome completo', email: 'E-mail', phone: 'Telefone (WhatsApp)' },
    phoneHint: 'Com DDD, por exemplo (21) 98765-4321.',
    errorSummaryHeading: 'Confira os dados informados',
    errorPrefix: 'Erro:',
    fieldErrors: {
      name: { required: 'Informe seu nome', too_long: `O nome pode ter no máximo ${NAME_MAX_CHARS} caracteres` },
      email: {
        required: 'Informe seu e-mail',
        too_long: `O e-mail pode ter no máximo ${EMAIL_MAX_CHARS} caracteres`,
        invalid_email: 'Informe um e-mail válido, como maria@exemplo.com.br',
      },
      phone: {
        required: 'Informe seu telefone com DDD',
        invalid_phone: 'Informe um telefone válido com DDD, como (21) 98765-4321',
      },
    },
    submit: 'Continuar para o pagamento',
    afterSubmit: 'Em seguida você vai para a página de pagamento da loja.',
    gatewayUnavailable: 'Não conseguimos abrir a página de pagamento agora. Seus dados foram mantidos: tente novamente em instantes.',
    switchTo: { lang: 'en', htmlLang: 'en', label: 'English' },
  },
  en: {
    htmlLang: 'en',
    title: 'Complete your purchase',
    errorTitlePrefix: 'Error: ',
    intro: 'Enter your details to continue to payment.',
    allRequired: 'All fields are required.',
    orderHeading: 'Your order',
    product: 'Product',
    plan: 'Plan',
    amount: 'Amount',
    detailsHeading: 'Your details',
    labels: { name: 'Full name', email: 'E-mail', phone: 'Phone (WhatsApp)' },
    phoneHint: 'With the area code, for example (21) 98765-4321 or +1 415 555 2671.',
    errorSummaryHeading: 'Please check your details',
    errorPrefix: 'Error:',
    fieldErrors: {
      name: { required: 'Enter your name', too_long: `Your name can be at most ${NAME_MAX_CHARS} characters` },
      email: {
        required: 'Enter your e-mail address',
        too_long: `Your e-mail address can be at most ${EMAIL_MAX_CHARS} characters`,
        invalid_email: 'Enter a valid e-mail address, like maria@example.com',
      },
      phone: {
        required: 'Enter your phone number with its area code',
        invalid_phone: 'Enter a valid phone number with its area code, like (21) 98765-4321',
      },
    },
    submit: 'Continue to payment',
    afterSubmit: "Next you will go to the store's payment page.",
    gatewayUnavailable: 'We could not open the payment page just now. Your details are kept: please try again in a moment.',
    switchTo: { lang: 'pt', htmlLang: 'pt-BR', label: 'Português' },
  },
};

/** The customer-facing text of a validation error, in the page's language. */
export function fieldErrorText(lang: FormLang, error: LeadFieldError): string {
  const texts: Partial<Record<LeadErrorCode, string>> = FORM_MESSAGES[lang].fieldErrors[error.field];
  // validateLead never pairs a field with a code outside its table; the English message still names the field.
  return texts[error.code] ?? error.message;
}
