import createClient, { type Middleware } from 'openapi-fetch';
import { signOut, token } from '../session';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorBody'];

/** Every request carries the agent's token in the Authorization header; a 401 ends the session. */
const auth: Middleware = {
  onRequest({ request }) {
    const current = token();
    if (current) request.headers.set('authorization', `Bearer ${current}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && token()) signOut();
    return response;
  },
};

/** The typed API client: paths, parameters and bodies come from the API's OpenAPI document. */
export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

/** What went wrong, as the API said it: its message and the field it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** The API's error body (ErrorBody) turned into an ApiError; anything else keeps its status. */
export function apiError(status: number, body: unknown): ApiError {
  const error = (body ?? {}) as Partial<ErrorBody>;
  const message = Array.isArray(error.message) ? error.message.join('; ') : error.message ?? `HTTP ${status}`;
  return new ApiError(status, message, error.field, body);
}

/** Unwraps an openapi-fetch result: the data, or an ApiError thrown with the API's message. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) throw apiError(result.response.status, result.error);
  return result.data as T;
}
