const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The gateway's hosted page, reduced to what a browser test checks: the pre-filled customer. */
export function hostedPage(title: string, fields: { name: string; email: string; amount: string }): string {
  return `<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><main>
<h1>${escape(title)}</h1>
<label for="name">Nome</label> <input id="name" name="name" value="${escape(fields.name)}">
<label for="email">E-mail</label> <input id="email" name="email" type="email" value="${escape(fields.email)}">
<p>Total: <span id="amount">${escape(fields.amount)}</span></p>
</main></body></html>`;
}
