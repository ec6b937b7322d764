import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { renderCheckoutForm, type CheckoutFormInput } from '../src/checkout/form/checkout-form.page';
import { readFormBody } from '../src/checkout/form/form-body';
import { FORM_MESSAGES, fieldErrorText, type FormLang } from '../src/checkout/form/messages';
import { validateLead, type LeadFieldError } from '../src/checkout/lead';
import { axeViolations, launchChromium } from './helpers/browser';

/**
 * The hosted checkout form in real Chromium: accessible (axe, WCAG 2 A/AA) in both languages,
 * with and without errors, and usable with JavaScript switched off — the customer types, submits,
 * and the browser posts exactly what was typed.
 */

// An origin nobody serves: every request to it is answered by page.route below, never by the network.
const FORM_URL = 'http://checkout.test/v1/checkout-form/loja-da-ana/curso';

const order: Omit<CheckoutFormInput, 'lang'> = {
  action: FORM_URL,
  storeName: 'Loja da Ana',
  product: 'Curso de fotografia',
  plan: 'Anual',
  amountMinor: '19700',
  currency: 'BRL',
};

const badInput = { name: ' ', email: 'ana@exemplo', phone: '98765-4321' };

function invalidLead(): LeadFieldError[] {
  const result = validateLead(badInput);
  if (result.ok) throw new Error('the bad input was accepted');
  return result.errors;
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** A fresh context per test, so no state (cookies, focus, routes) leaks between them. */
async function openPage(options: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {}): Promise<{
  context: BrowserContext;
  page: Page;
}> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  return { context, page };
}

async function withPage<T>(
  options: Parameters<typeof openPage>[0],
  use: (page: Page) => Promise<T>,
): Promise<T> {
  const { context, page } = await openPage(options);
  try {
    return await use(page);
  } finally {
    await context.close();
  }
}

it('says how to install Chromium when it is missing', async () => {
  await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(
    'Chromium is not installed at /nonexistent/chromium: run `npm run setup`',
  );
});

it('the accessibility check does find a violation (an unlabelled input)', async () => {
  const violations = await withPage({}, async (page) => {
    await page.setContent('<!doctype html><html lang="en"><title>t</title><main><input type="text"></main></html>');
    return axeViolations(page);
  });
  expect(violations.map((v) => v.id)).toContain('label');
  expect(violations.find((v) => v.id === 'label')?.targets).toEqual(['input']);
});

const cases: Array<{ lang: FormLang; withErrors: boolean }> = [
  { lang: 'pt', withErrors: false },
  { lang: 'pt', withErrors: true },
  { lang: 'en', withErrors: false },
  { lang: 'en', withErrors: true },
];

describe.each(cases)('the form in $lang, with errors: $withErrors', ({ lang, withErrors }) => {
  const t = FORM_MESSAGES[lang];
  const html = renderCheckoutForm({
    ...order,
    lang,
    ...(withErrors ? { errors: invalidLead(), values: badInput } : {}),
  });

  it('has no WCAG 2 A/AA violations (axe-core)', async () => {
    const violations = await withPage({}, async (page) => {
      await page.setContent(html);
      return axeViolations(page);
    });
    expect(violations).toEqual([]);
  });

  it('names every input by its label and shows the order', async () => {
    await withPage({}, async (page) => {
      await page.setContent(html);
      expect(await page.locator('html').getAttribute('lang')).toBe(t.htmlLang);
      expect(await page.title()).toBe(`${withErrors ? t.errorTitlePrefix : ''}${t.title} · Loja da Ana`);
      for (const field of ['name', 'email', 'phone'] as const) {
        const input = page.getByLabel(t.labels[field], { exact: true });
        expect(await input.count()).toBe(1);
        expect(await input.getAttribute('name')).toBe(field);
        expect(await page.getByRole('textbox', { name: t.labels[field], exact: true }).count()).toBe(1);
      }
      expect(await page.getByRole('button', { name: t.submit }).isVisible()).toBe(true);
      expect(await page.getByRole('link', { name: t.switchTo.label }).getAttribute('href')).toBe(`${FORM_URL}?lang=${t.switchTo.lang}`);
      const amount = lang === 'pt' ? 'R$\u00a0197,00' : 'R$197.00';
      expect(await page.locator('dl.order').innerText()).toContain(amount);
    });
  });

  if (withErrors) {
    it('puts a summary first whose links lead to the fields, and ties each message to its field', async () => {
      await withPage({}, async (page) => {
        await page.setContent(html);
        const summary = page.getByRole('alert');
        expect(await summary.getByRole('heading', { name: t.errorSummaryHeading }).count()).toBe(1);
        const links = summary.getByRole('link');
        expect(await links.evaluateAll((as) => as.map((a) => (a as unknown as { hash: string }).hash))).toEqual(['#name', '#email', '#phone']);
        expect(await links.allInnerTexts()).toEqual([t.fieldErrors.name.required, t.fieldErrors.email.invalid_email, t.fieldErrors.phone.invalid_phone]);

        const errors = invalidLead();
        expect(errors.map((e) => e.field)).toEqual(['name', 'email', 'phone']);
        for (const error of errors) {
          const input = page.getByLabel(t.labels[error.field], { exact: true });
          expect(await input.getAttribute('aria-invalid')).toBe('true');
          const describedBy = (await input.getAttribute('aria-describedby')) ?? '';
          const description = await page.locator(describedBy.split(' ').map((id) => `#${id}`).join(', ')).allInnerTexts();
          expect(description.join(' ')).toContain(fieldErrorText(lang, error));
        }
        // What the customer typed comes back, so only the mistake needs fixing.
        expect(await page.getByLabel(t.labels.email, { exact: true }).inputValue()).toBe(badInput.email);
        expect(await page.getByLabel(t.labels.phone, { exact: true }).inputValue()).toBe(badInput.phone);

        // Keyboard and screen-reader users start at the summary, and its links move focus to the field.
        expect(await page.locator('[role="alert"]:focus').count()).toBe(1);
        await summary.getByRole('link', { name: t.fieldErrors.phone.invalid_phone }).click();
        expect(await page.locator('#phone:focus').count()).toBe(1);
      });
    });
  } else {
    it('shows no error summary and marks no field invalid', async () => {
      await withPage({}, async (page) => {
        await page.setContent(html);
        expect(await page.getByRole('alert').count()).toBe(0);
        expect(await page.locator('[aria-invalid]').count()).toBe(0);
      });
    });
  }
});

describe('with JavaScript disabled', () => {
  const noScript = { javaScriptEnabled: false };

  it('really runs no script in that context', async () => {
    await withPage(noScript, async (page) => {
      await page.setContent('<title>static</title><script>document.title = "script ran"</script>');
      expect(await page.title()).toBe('static');
    });
  });

  it.each(['pt', 'en'] as const)('(%s) the form is filled in and posts exactly what was typed', async (lang) => {
    const t = FORM_MESSAGES[lang];
    await withPage(noScript, async (page) => {
      const posted: Request[] = [];
      await page.route('**/*', async (route) => {
        posted.push(route.request());
        await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>posted</title>' });
      });
      await page.setContent(renderCheckoutForm({ ...order, lang }));
      expect(await page.getByRole('button', { name: t.submit }).isVisible()).toBe(true);

      const typed = { name: 'Ana "Nina" <Souza> & Cia', email: 'ana+loja@exemplo.com.br', phone: '(21) 98765-4321' };
      await page.getByLabel(t.labels.name, { exact: true }).fill(typed.name);
      await page.getByLabel(t.labels.email, { exact: true }).fill(typed.email);
      await page.getByLabel(t.labels.phone, { exact: true }).fill(typed.phone);
      await Promise.all([page.waitForURL(FORM_URL), page.getByRole('button', { name: t.submit }).click()]);

      expect(await page.title()).toBe('posted');
      expect(posted).toHaveLength(1);
      const [request] = posted;
      expect(request.method()).toBe('POST');
      expect(request.url()).toBe(FORM_URL);
      expect(await request.headerValue('content-type')).toBe('application/x-www-form-urlencoded');
      expect({ ...readFormBody(request.postData() ?? '') }).toEqual({ lang, ...typed });
    });
  });

  it('keeps the language link working: it is a plain link to the form in the other language', async () => {
    await withPage(noScript, async (page) => {
      const requested: string[] = [];
      await page.route('**/*', async (route) => {
        requested.push(`${route.request().method()} ${route.request().url()}`);
        await route.fulfill({ status: 200, contentType: 'text/html', body: renderCheckoutForm({ ...order, lang: 'en' }) });
      });
      await page.setContent(renderCheckoutForm({ ...order, lang: 'pt' }));
      await Promise.all([page.waitForURL(`${FORM_URL}?lang=en`), page.getByRole('link', { name: 'English' }).click()]);
      expect(requested).toEqual([`GET ${FORM_URL}?lang=en`]);
      expect(await page.getByRole('button', { name: FORM_MESSAGES.en.submit }).isVisible()).toBe(true);
    });
  });

  it('renders the errors and keeps the values', async () => {
    await withPage(noScript, async (page) => {
      await page.setContent(renderCheckoutForm({ ...order, lang: 'pt', errors: invalidLead(), values: badInput }));
      expect(await page.getByRole('alert').getByRole('link').count()).toBe(3);
      expect(await page.getByLabel('E-mail', { exact: true }).inputValue()).toBe(badInput.email);
      // Focus moves without any script: autofocus to the summary, then a link to its field.
      expect(await page.locator('[role="alert"]:focus').count()).toBe(1);
      await page.getByRole('link', { name: FORM_MESSAGES.pt.fieldErrors.email.invalid_email }).click();
      await page.keyboard.press('End');
      await page.keyboard.type('.br');
      expect(await page.getByLabel('E-mail', { exact: true }).inputValue()).toBe(`${badInput.email}.br`);
    });
  });
});

it('fits a small phone screen without sideways scrolling', async () => {
  const width = 320;
  await withPage({ viewport: { width, height: 640 } }, async (page) => {
    await page.setContent(renderCheckoutForm({ ...order, lang: 'pt', errors: invalidLead(), values: badInput }));
    const scrollWidth = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(width);
    const button = await page.getByRole('button', { name: FORM_MESSAGES.pt.submit }).boundingBox();
    expect(button?.width).toBeGreaterThan(width / 2);
  });
});
