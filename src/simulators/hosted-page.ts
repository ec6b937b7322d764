import type { FastifyInstance } from 'fastify';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The gateway's hosted page, reduced to what a browser test checks: the pre-filled customer and
 * a "Pagar" button that works without JavaScript (a form posting back to the page's own path).
 * Once paid, the page says so instead of offering the button again.
 */
export function hostedPage(title: string, fields: { name: string; email: string; amount: string }, state: { paid?: boolean } = {}): string {
  const action = state.paid
    ? '<p role="status" id="result">Pagamento aprovado</p>'
    : '<form method="post"><button type="submit" id="pay">Pagar</button></form>';
  return `<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><main>
<h1>${escape(title)}</h1>
<label for="name">Nome</label> <input id="name" name="name" value="${escape(fields.name)}">
<label for="email">E-mail</label> <input id="email" name="email" type="email" value="${escape(fields.email)}">
<p>Total: <span id="amount">${escape(fields.amount)}</span></p>
${action}
</main></body></html>`;
}

/** The answer to the page's form: what the customer sees after paying. */
export function paidPage(title: string, amount: string): string {
  return `<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>Pagamento aprovado — ${escape(title)}</title></head><body><main>
<h1>Pagamento aprovado</h1>
<p role="status" id="result">Pagamento aprovado: <span id="amount">${escape(amount)}</span></p>
</main></body></html>`;
}

/** Lets the hosted page's form post (its fields are not read: the page already knows the payment). */
export function acceptHtmlForms(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
}

/** `R$ 150,90` */
export const reais = (value: number) => `R$ ${value.toFixed(2).replace('.', ',')}`;
