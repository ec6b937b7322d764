import {
  AuthError,
  CallingNotEnabledError,
  errorClassFor,
  fromGraphResponse,
  InvalidParameterError,
  NON_RETRYABLE_WHATSAPP_ERRORS,
  NoCallPermissionError,
  PairRateLimitError,
  RateLimitError,
  TransportError,
  WhatsAppApiError,
  WindowClosedError,
} from './errors';

const metaError = (code: number, extra: Record<string, unknown> = {}) => ({
  error: {
    message: `(#${code}) something`,
    type: 'OAuthException',
    code,
    error_data: { messaging_product: 'whatsapp', details: `details of ${code}` },
    fbtrace_id: 'AbCdEf123',
    ...extra,
  },
});

describe('Graph API error classification', () => {
  it.each([
    [130429, 400, RateLimitError, true],
    [80007, 400, RateLimitError, true],
    [4, 400, RateLimitError, true],
    [131056, 400, PairRateLimitError, true],
    [138006, 401, NoCallPermissionError, false],
    [138000, 401, CallingNotEnabledError, false],
    [131047, 400, WindowClosedError, false],
    [100, 400, InvalidParameterError, false],
    [131008, 400, InvalidParameterError, false],
    [131009, 400, InvalidParameterError, false],
    [131026, 400, InvalidParameterError, false],
    [132001, 404, InvalidParameterError, false],
    [190, 401, AuthError, false],
    [10, 403, AuthError, false],
    [200, 403, AuthError, false],
    [131000, 500, TransportError, true],
    [1, 500, TransportError, true],
    [131016, 503, TransportError, true],
  ])('code %i (HTTP %i) → %p, retryable=%p', (code, status, Cls, retryable) => {
    const err = fromGraphResponse(status, metaError(code));
    expect(err).toBeInstanceOf(Cls);
    expect(err).toBeInstanceOf(WhatsAppApiError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(Cls.name);
    expect(err.code).toBe(code);
    expect(err.httpStatus).toBe(status);
    expect(err.fbtraceId).toBe('AbCdEf123');
    expect(err.retryable).toBe(retryable);
    expect(err.details).toBe(`details of ${code}`);
    expect(err.message).toContain(`WhatsApp error ${code}`);
    expect(err.message).toContain(`details of ${code}`);
    expect(NON_RETRYABLE_WHATSAPP_ERRORS.includes(err.name)).toBe(!retryable);
  });

  it('keeps the subcode and the Meta type', () => {
    const err = fromGraphResponse(400, metaError(100, { error_subcode: 33 }));
    expect(err.subcode).toBe(33);
    expect(err.type).toBe('OAuthException');
    expect(err.message).toContain('100/33');
  });

  it('an unknown 4xx code is a non-retryable WhatsAppApiError; an unknown 5xx is a TransportError', () => {
    const unknown4xx = fromGraphResponse(400, metaError(999_999));
    expect(unknown4xx.constructor).toBe(WhatsAppApiError);
    expect(unknown4xx.retryable).toBe(false);
    expect(NON_RETRYABLE_WHATSAPP_ERRORS).toContain('WhatsAppApiError');
    expect(fromGraphResponse(502, metaError(999_999))).toBeInstanceOf(TransportError);
  });

  it('classifies responses without a Meta error body by HTTP status', () => {
    expect(fromGraphResponse(502, undefined)).toBeInstanceOf(TransportError);
    expect(fromGraphResponse(401, 'nope')).toBeInstanceOf(AuthError);
    expect(fromGraphResponse(429, {})).toBeInstanceOf(RateLimitError);
    const e = fromGraphResponse(404, undefined);
    expect(e.code).toBeUndefined();
    expect(e.retryable).toBe(false);
  });

  it('has stable, distinct class names (Temporal ApplicationFailure types)', () => {
    const names = [RateLimitError, PairRateLimitError, NoCallPermissionError, WindowClosedError, InvalidParameterError, AuthError, TransportError].map(
      (Cls) => new Cls('x').name,
    );
    expect(names).toEqual([
      'RateLimitError',
      'PairRateLimitError',
      'NoCallPermissionError',
      'WindowClosedError',
      'InvalidParameterError',
      'AuthError',
      'TransportError',
    ]);
    expect(new WhatsAppApiError('x').name).toBe('WhatsAppApiError');
    expect(errorClassFor(131047, 400)).toBe(WindowClosedError);
  });

  it('serializes to plain data without the message body', () => {
    const json = JSON.parse(JSON.stringify(fromGraphResponse(400, metaError(131047))));
    expect(json).toMatchObject({ name: 'WindowClosedError', code: 131047, httpStatus: 400, retryable: false, fbtraceId: 'AbCdEf123' });
  });
});
