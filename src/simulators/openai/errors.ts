/**
 * OpenAI's error body, `{error: {message, type, param, code}}` (openai-openapi `ErrorResponse`),
 * with the statuses and wordings the real API uses where they are known (quoted from its answers).
 */

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class OpenAIError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'OpenAIError';
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new OpenAIError(400, message, 'invalid_request_error', param, code);

export const missingParameter = (param: string) =>
  invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');

export const invalidType = (param: string, expected: string, got: unknown) =>
  invalidRequest(`Invalid type for '${param}': expected ${expected}, but got ${describe(got)} instead.`, param, 'invalid_type');

export const invalidValue = (param: string, value: unknown, supported: readonly string[]) =>
  invalidRequest(`Invalid value: '${String(value)}'. Supported values are: ${listOf(supported)}.`, param, 'invalid_value');

export const modelNotFound = (model: string) =>
  new OpenAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found');

export const missingApiKey = () =>
  new OpenAIError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    'invalid_request_error',
  );

export const incorrectApiKey = (key: string) =>
  new OpenAIError(
    401,
    `Incorrect API key provided: ${redact(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );

export const contentTooLarge = (limit: number, received: number) =>
  new OpenAIError(413, `Maximum content size limit (${limit}) exceeded (${received} bytes read)`, 'server_error');

export const rateLimited = () =>
  new OpenAIError(
    429,
    'Rate limit reached for requests (recado OpenAI simulator fault injection). Please try again in 1s.',
    'requests',
    null,
    'rate_limit_exceeded',
  );

export const serverError = () =>
  new OpenAIError(
    500,
    'The server had an error while processing your request. Sorry about that! (recado OpenAI simulator fault injection)',
    'server_error',
  );

export const unknownRoute = (method: string, url: string) =>
  new OpenAIError(404, `Invalid URL (${method} ${url})`, 'invalid_request_error');

function listOf(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return `a ${typeof value}`;
}

/** The real API shows the key's first and last characters only. */
function redact(key: string): string {
  return key.length <= 8 ? '*'.repeat(key.length) : `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 20))}${key.slice(-4)}`;
}
