import { FORM_BODY_MAX_BYTES, FormBodyTooLargeError, readFormBody } from './form-body';

describe('readFormBody', () => {
  it('decodes a form post, + and percent-escapes included', () => {
    const body = 'lang=pt&name=Jo%C3%A3o+da+Silva&email=joao%40example.com&phone=%2821%29+98765-4321';
    expect({ ...readFormBody(body) }).toEqual({ lang: 'pt', name: 'João da Silva', email: 'joao@example.com', phone: '(21) 98765-4321' });
  });

  it('reads a Buffer as UTF-8', () => {
    expect(readFormBody(Buffer.from('name=Jo%C3%A3o&plan=b%C3%A1sico')).plan).toBe('básico');
  });

  it('keeps the last value of a field sent twice', () => {
    expect(readFormBody('name=first&name=last').name).toBe('last');
  });

  it('keeps empty fields and ignores empty pairs', () => {
    expect({ ...readFormBody('name=&&email=a%40b.co&') }).toEqual({ name: '', email: 'a@b.co' });
    expect({ ...readFormBody('') }).toEqual({});
  });

  it('treats __proto__ as an ordinary field', () => {
    const fields = readFormBody('__proto__=x&constructor=y');
    expect(fields['__proto__']).toBe('x');
    expect(fields.constructor).toBe('y');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('accepts a body of exactly 16 KiB and refuses one byte more', () => {
    const exact = bodyOfBytes(FORM_BODY_MAX_BYTES);
    expect(Buffer.byteLength(exact)).toBe(FORM_BODY_MAX_BYTES);
    expect(Object.keys(readFormBody(exact)).length).toBeGreaterThan(16);
    expect(() => readFormBody(`${exact}x`)).toThrow(new FormBodyTooLargeError('the form body must be at most 16384 bytes, got 16385'));
  });

  it('counts bytes, not characters', () => {
    const body = `name=${'ã'.repeat(8200)}`; // 8205 characters, 16405 bytes
    expect(() => readFormBody(body)).toThrow(/at most 16384 bytes, got 16405/);
    expect(() => readFormBody(Buffer.from(body))).toThrow(/got 16405/);
  });

  it('caps each decoded value at 1 KiB, naming the field', () => {
    expect(readFormBody(`name=${'a'.repeat(1024)}`).name).toHaveLength(1024);
    expect(() => readFormBody(`name=${'a'.repeat(1025)}`)).toThrow(new FormBodyTooLargeError('the form field "name" must be at most 1024 characters'));
  });
});

/** Fields of at most 1000 characters adding up to exactly `bytes`. */
function bodyOfBytes(bytes: number): string {
  const pairs: string[] = [];
  let size = -1; // no "&" before the first pair
  for (let i = 0; size < bytes; i++) {
    const name = `f${i}`;
    const room = bytes - size - 1 - name.length - 1;
    const value = 'v'.repeat(Math.min(1000, room));
    pairs.push(`${name}=${value}`);
    size += 1 + name.length + 1 + value.length;
  }
  return pairs.join('&');
}
