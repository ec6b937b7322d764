/**
 * The hosted form's body (application/x-www-form-urlencoded) as plain fields. The form has a
 * handful of short fields, so anything bigger is refused before it is parsed.
 */

/** Bytes of the whole body: the form's fields fit many times over. */
export const FORM_BODY_MAX_BYTES = 16 * 1024;
/** Characters of one decoded value: longer than any name, e-mail or phone the form accepts. */
export const FORM_VALUE_MAX_CHARS = 1024;

export class FormBodyTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormBodyTooLargeError';
  }
}

/** Field → value; a field sent twice keeps its last value, as a form post of one field would. */
export function readFormBody(raw: string | Buffer): Record<string, string> {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
  if (bytes > FORM_BODY_MAX_BYTES) {
    throw new FormBodyTooLargeError(`the form body must be at most ${FORM_BODY_MAX_BYTES} bytes, got ${bytes}`);
  }
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  // A null-prototype object: a field called "__proto__" or "constructor" is just a field.
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    if (value.length > FORM_VALUE_MAX_CHARS) {
      throw new FormBodyTooLargeError(`the form field ${JSON.stringify(name.slice(0, 40))} must be at most ${FORM_VALUE_MAX_CHARS} characters`);
    }
    fields[name] = value;
  }
  return fields;
}
