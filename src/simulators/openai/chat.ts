import { randomBytes } from 'node:crypto';
import { invalidRequest, invalidType, invalidValue, missingParameter, modelNotFound } from './errors';
import { fillSchema } from './schema-fill';
import { SIMULATOR_MODEL, splitSentences, summarise } from './summary';

/**
 * `POST /v1/chat/completions`: validation of the request as OpenAI does it (openai-openapi
 * `CreateChatCompletionRequest`, messages and response_format) and the documented `chat.completion`
 * answer, whose content comes from the summary rule (summary.ts) instead of a model.
 */

export const CHAT_MODELS = [
  'gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano',
  'o3', 'o3-mini', 'o4-mini', 'gpt-4-turbo', 'gpt-3.5-turbo', SIMULATOR_MODEL,
] as const;

const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'] as const;
const RESPONSE_FORMAT_TYPES = ['json_object', 'json_schema', 'text'] as const;
const USER_PART_TYPES = ['text', 'image_url', 'input_audio', 'file'] as const;
const ASSISTANT_PART_TYPES = ['text', 'refusal'] as const;

/** Top-level fields of the documented request; anything else is refused as the API refuses it. */
const KNOWN_FIELDS = new Set([
  'model', 'messages', 'response_format', 'temperature', 'top_p', 'n', 'stream', 'stream_options', 'stop', 'max_tokens',
  'max_completion_tokens', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'user', 'seed',
  'tools', 'tool_choice', 'parallel_tool_calls', 'functions', 'function_call', 'store', 'metadata', 'reasoning_effort',
  'service_tier', 'modalities', 'audio', 'prediction', 'web_search_options', 'verbosity', 'prompt_cache_key', 'safety_identifier',
]);

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict: boolean };

export interface ChatMessage {
  role: (typeof ROLES)[number];
  text: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  responseFormat: ResponseFormat;
  n: number;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isKnownChatModel(model: string): boolean {
  // Dated snapshots ("gpt-4o-mini-2024-07-18") name the same models.
  return CHAT_MODELS.some((m) => model === m || new RegExp(`^${m.replace(/[.]/g, '\\.')}-\\d{4}-\\d{2}-\\d{2}$`).test(model));
}

export function parseChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw invalidRequest('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)');
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) throw invalidRequest(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
  }
  if (body.model === undefined || body.model === null || body.model === '') throw invalidRequest('you must provide a model parameter', 'model', 'missing_required_parameter');
  if (typeof body.model !== 'string') throw invalidType('model', 'a string', body.model);
  if (body.stream === true) throw invalidRequest('stream=true is not supported by the recado OpenAI simulator.', 'stream', 'unsupported_value');
  const messages = parseMessages(body.messages);
  if (body.temperature !== undefined && body.temperature !== null) {
    if (typeof body.temperature !== 'number') throw invalidType('temperature', 'a decimal', body.temperature);
    if (body.temperature < 0 || body.temperature > 2) {
      const below = body.temperature < 0;
      throw invalidRequest(
        `Invalid 'temperature': decimal ${below ? 'below minimum' : 'above maximum'} value. Expected a value ${below ? '>= 0' : '<= 2'}, but got ${body.temperature} instead.`,
        'temperature',
        below ? 'decimal_below_min_value' : 'decimal_above_max_value',
      );
    }
  }
  const n = body.n === undefined || body.n === null ? 1 : body.n;
  if (!Number.isInteger(n)) throw invalidType('n', 'an integer', n);
  if ((n as number) < 1 || (n as number) > 128) throw invalidRequest(`Invalid 'n': integer out of range. Expected a value between 1 and 128, but got ${String(n)} instead.`, 'n', 'integer_out_of_range');
  const responseFormat = parseResponseFormat(body.response_format);
  if (responseFormat.type === 'json_object' && !messages.some((m) => /json/i.test(m.text))) {
    throw invalidRequest("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'messages');
  }
  // Known after the shape checks, as the API reports a malformed request before an unknown model.
  if (!isKnownChatModel(body.model)) throw modelNotFound(body.model);
  return { model: body.model, messages, responseFormat, n: n as number };
}

function parseMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null) throw missingParameter('messages');
  if (!Array.isArray(value)) throw invalidType('messages', 'an array', value);
  if (value.length === 0) throw invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  return value.map((message, i) => parseMessage(message, `messages[${i}]`));
}

function parseMessage(message: unknown, at: string): ChatMessage {
  if (!isObject(message)) throw invalidType(at, 'an object', message);
  const role = message.role;
  if (role === undefined) throw missingParameter(`${at}.role`);
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw invalidValue(`${at}.role`, role, ROLES);
  const content = message.content;
  const optional = (role === 'assistant' && (message.tool_calls !== undefined || message.function_call !== undefined)) || role === 'function';
  if (content === undefined || content === null) {
    if (optional) return { role: role as ChatMessage['role'], text: '' };
    throw missingParameter(`${at}.content`);
  }
  if (role === 'tool' && typeof message.tool_call_id !== 'string') throw missingParameter(`${at}.tool_call_id`);
  if (typeof content === 'string') return { role: role as ChatMessage['role'], text: content };
  if (!Array.isArray(content)) throw invalidType(`${at}.content`, 'one of a string or an array', content);
  const allowed: readonly string[] = role === 'user' ? USER_PART_TYPES : role === 'assistant' ? ASSISTANT_PART_TYPES : ['text'];
  const texts = content.map((part, j) => {
    const where = `${at}.content[${j}]`;
    if (!isObject(part)) throw invalidType(where, 'an object', part);
    if (part.type === undefined) throw missingParameter(`${where}.type`);
    if (typeof part.type !== 'string' || !allowed.includes(part.type)) throw invalidValue(`${where}.type`, part.type, allowed);
    if (part.type === 'text') {
      if (part.text === undefined) throw missingParameter(`${where}.text`);
      if (typeof part.text !== 'string') throw invalidType(`${where}.text`, 'a string', part.text);
      return part.text;
    }
    if (part.type === 'refusal') return typeof part.refusal === 'string' ? part.refusal : '';
    if (!isObject(part[part.type])) throw missingParameter(`${where}.${part.type}`);
    return '';
  });
  return { role: role as ChatMessage['role'], text: texts.filter(Boolean).join('\n') };
}

function parseResponseFormat(value: unknown): ResponseFormat {
  if (value === undefined || value === null) return { type: 'text' };
  if (!isObject(value)) throw invalidType('response_format', 'an object', value);
  if (value.type === undefined) throw missingParameter('response_format.type');
  if (typeof value.type !== 'string' || !(RESPONSE_FORMAT_TYPES as readonly string[]).includes(value.type)) {
    throw invalidValue('response_format.type', value.type, RESPONSE_FORMAT_TYPES);
  }
  if (value.type !== 'json_schema') return { type: value.type as 'text' | 'json_object' };
  const spec = value.json_schema;
  if (spec === undefined || spec === null) throw missingParameter('response_format.json_schema');
  if (!isObject(spec)) throw invalidType('response_format.json_schema', 'an object', spec);
  if (spec.name === undefined) throw missingParameter('response_format.json_schema.name');
  if (typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name)) {
    throw invalidRequest(
      "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
      'response_format.json_schema.name',
      'invalid_value',
    );
  }
  if (spec.schema !== undefined && !isObject(spec.schema)) throw invalidType('response_format.json_schema.schema', 'an object', spec.schema);
  if (spec.strict !== undefined && spec.strict !== null && typeof spec.strict !== 'boolean') throw invalidType('response_format.json_schema.strict', 'a boolean', spec.strict);
  const schema = (spec.schema ?? {}) as Obj;
  const strict = spec.strict === true;
  if (strict) checkStrictSchema(spec.name, schema, []);
  return { type: 'json_schema', name: spec.name, schema, strict };
}

/**
 * Structured Outputs' strict mode: every object lists all its properties in `required` and sets
 * `additionalProperties: false`; the root is an object. Worded as the API words it.
 */
function checkStrictSchema(name: string, schema: Obj, context: string[]): void {
  const fail = (what: string) => {
    throw invalidRequest(`Invalid schema for response_format '${name}': In context=(${context.map((c) => `'${c}'`).join(', ')}${context.length === 1 ? ',' : ''}), ${what}`, 'response_format');
  };
  if (context.length === 0 && schema.type !== 'object' && !schema.anyOf) fail("schema must be a JSON Schema of 'type: \"object\"', got 'type: \"" + String(schema.type) + "\"'.");
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('object') || isObject(schema.properties)) {
    if (schema.additionalProperties !== false) fail("'additionalProperties' is required to be supplied and to be false.");
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : null;
    const missing = Object.keys(properties).find((key) => !required?.includes(key));
    if (missing !== undefined) fail(`'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`);
    for (const [key, sub] of Object.entries(properties)) if (isObject(sub)) checkStrictSchema(name, sub, [...context, 'properties', key]);
  }
  if (isObject(schema.items)) checkStrictSchema(name, schema.items, [...context, 'items']);
  for (const keyword of ['anyOf', '$defs', 'definitions'] as const) {
    const group = schema[keyword];
    if (Array.isArray(group)) group.forEach((sub, i) => isObject(sub) && checkStrictSchema(name, sub, [...context, keyword, String(i)]));
    else if (isObject(group)) for (const [key, sub] of Object.entries(group)) if (isObject(sub)) checkStrictSchema(name, sub, [...context, keyword, key]);
  }
}

// ---- the answer

/** The text the rule reads: what users (and tools) said, not the instructions. */
export function conversationText(messages: ChatMessage[]): string {
  const said = messages.filter((m) => m.role === 'user' || m.role === 'tool').map((m) => m.text);
  return (said.length ? said : messages.map((m) => m.text)).join('\n');
}

export function replyContent(request: ChatRequest, today: Date = new Date()): string {
  const text = conversationText(request.messages);
  const summary = summarise(text, today);
  switch (request.responseFormat.type) {
    case 'json_object':
      return JSON.stringify(summary);
    case 'json_schema': {
      const sentences = splitSentences(text).map((s) => s.text);
      return JSON.stringify(fillSchema(request.responseFormat.schema, { hints: { ...summary }, sentences, today }));
    }
    case 'text':
      return `Summary by the recado OpenAI simulator. Reason: ${summary.reason} Outcome: ${summary.outcome} Sentiment: ${summary.sentiment}.`;
  }
}

/** Roughly four characters a token, as OpenAI's own rule of thumb. */
const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export function buildChatCompletion(request: ChatRequest, now: Date = new Date()) {
  const content = replyContent(request, now);
  const promptTokens = request.messages.reduce((sum, m) => sum + tokens(m.text) + 4, 3);
  const completionTokens = tokens(content) * request.n;
  return {
    id: `chatcmpl-${randomBytes(15).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(now.getTime() / 1000),
    // The answer names the simulator, not the requested model: nobody mistakes it for GPT output.
    model: SIMULATOR_MODEL,
    choices: Array.from({ length: request.n }, (_, index) => ({
      index,
      message: { role: 'assistant', content, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    })),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
  };
}
