import { buildChatCompletion, parseChatRequest } from './chat';
import { OpenAIError } from './errors';

function errorOf(fn: () => unknown): OpenAIError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OpenAIError) return err;
    throw err;
  }
  throw new Error('expected an OpenAIError');
}

const user = (content: unknown) => ({ role: 'user', content });
const strictSchema = (schema: Record<string, unknown>) => ({ type: 'json_schema', json_schema: { name: 'call_summary', strict: true, schema } });

describe('chat completion request validation (as OpenAI validates createChatCompletion)', () => {
  it('accepts string and part contents from every role', () => {
    const request = parseChatRequest({
      model: 'gpt-4o-mini-2024-07-18',
      messages: [
        { role: 'developer', content: 'Summarise.' },
        user([{ type: 'text', text: 'Hello' }, { type: 'text', text: 'again' }]),
        { role: 'assistant', content: null, tool_calls: [] },
        { role: 'tool', tool_call_id: 'call_1', content: 'done' },
      ],
    });
    expect(request.messages.map((m) => m.text)).toEqual(['Summarise.', 'Hello\nagain', '', 'done']);
    expect(request.responseFormat).toEqual({ type: 'text' });
  });

  it('names the parameter that is missing or wrong', () => {
    expect(errorOf(() => parseChatRequest({ messages: [user('x')] })).param).toBe('model');
    expect(errorOf(() => parseChatRequest({ model: 'gpt-4o-mini' })).toBody().error).toEqual({
      message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter',
    });
    expect(errorOf(() => parseChatRequest({ model: 'gpt-4o-mini', messages: [] })).code).toBe('empty_array');
    expect(errorOf(() => parseChatRequest({ model: 'gpt-4o-mini', messages: [user('x'), { role: 'boss', content: 'x' }] })).toBody().error).toEqual({
      message: "Invalid value: 'boss'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
      type: 'invalid_request_error',
      param: 'messages[1].role',
      code: 'invalid_value',
    });
    expect(errorOf(() => parseChatRequest({ model: 'gpt-4o-mini', messages: [{ role: 'user' }] })).param).toBe('messages[0].content');
    expect(errorOf(() => parseChatRequest({ model: 'gpt-4o-mini', messages: [user([{ type: 'video' }])] })).param).toBe('messages[0].content[0].type');
    expect(errorOf(() => parseChatRequest({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: [{ type: 'image_url', image_url: {} }] }] })).param).toBe('messages[0].content[0].type');
    expect(errorOf(() => parseChatRequest({ model: 'gpt-4o-mini', messages: [{ role: 'tool', content: 'x' }] })).param).toBe('messages[0].tool_call_id');
    expect(errorOf(() => parseChatRequest({ model: 'gpt-4o-mini', messages: [user('x')], temperature: 3 })).code).toBe('decimal_above_max_value');
    expect(errorOf(() => parseChatRequest({ model: 'gpt-4o-mini', messages: [user('x')], colour: 'red' })).message).toBe('Unrecognized request argument supplied: colour');
  });

  it('answers an unknown model with 404 model_not_found', () => {
    const error = errorOf(() => parseChatRequest({ model: 'gpt-9', messages: [user('x')] }));
    expect(error.status).toBe(404);
    expect(error.toBody().error).toEqual({ message: 'The model `gpt-9` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' });
  });

  it('validates response_format', () => {
    const base = { model: 'gpt-4o-mini', messages: [user('x')] };
    expect(errorOf(() => parseChatRequest({ ...base, response_format: { type: 'object' } })).toBody().error).toMatchObject({
      message: "Invalid value: 'object'. Supported values are: 'json_object', 'json_schema', and 'text'.", param: 'response_format.type',
    });
    expect(errorOf(() => parseChatRequest({ ...base, response_format: { type: 'json_schema' } })).param).toBe('response_format.json_schema');
    expect(errorOf(() => parseChatRequest({ ...base, response_format: { type: 'json_schema', json_schema: { schema: {} } } })).param).toBe('response_format.json_schema.name');
    expect(errorOf(() => parseChatRequest({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'call summary' } } })).param).toBe('response_format.json_schema.name');
    expect(errorOf(() => parseChatRequest({ ...base, response_format: { type: 'json_object' } })).message).toBe(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    );
    expect(parseChatRequest({ model: 'gpt-4o-mini', messages: [user('answer in JSON')], response_format: { type: 'json_object' } }).responseFormat.type).toBe('json_object');
  });

  it("holds strict schemas to Structured Outputs' rules", () => {
    const base = { model: 'gpt-4o-mini', messages: [user('x')] };
    expect(errorOf(() => parseChatRequest({ ...base, response_format: strictSchema({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }) })).message).toBe(
      "Invalid schema for response_format 'call_summary': In context=(), 'additionalProperties' is required to be supplied and to be false.",
    );
    const nested = { type: 'object', additionalProperties: false, required: ['a'], properties: { a: { type: 'object', additionalProperties: false, properties: { b: { type: 'string' } }, required: [] } } };
    expect(errorOf(() => parseChatRequest({ ...base, response_format: strictSchema(nested) })).message).toBe(
      "Invalid schema for response_format 'call_summary': In context=('properties', 'a'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
    );
    // Without strict the same schema is taken as it is.
    expect(parseChatRequest({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: nested } } }).responseFormat.type).toBe('json_schema');
  });
});

describe('chat completion answers', () => {
  it('has the documented chat.completion shape and names the simulator', () => {
    const completion = buildChatCompletion(parseChatRequest({ model: 'gpt-4o-mini', messages: [user('Customer: my order is late.')], n: 2 }), new Date('2026-03-02T12:00:00Z'));
    expect(completion).toMatchObject({ object: 'chat.completion', created: 1772452800, model: 'recado-openai-simulator', service_tier: 'default' });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices).toHaveLength(2);
    expect(completion.choices[1]).toMatchObject({ index: 1, finish_reason: 'stop', message: { role: 'assistant', refusal: null } });
    expect(completion.choices[0].message.content).toContain('my order is late.');
    expect(completion.usage.total_tokens).toBe(completion.usage.prompt_tokens + completion.usage.completion_tokens);
  });

  it('answers json_object with the call summary', () => {
    const completion = buildChatCompletion(parseChatRequest({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Reply in json.' }, user('Customer: thanks, all good')], response_format: { type: 'json_object' } }));
    expect(JSON.parse(completion.choices[0].message.content)).toMatchObject({ reason: 'thanks, all good', sentiment: 'positive', generated_by: 'recado-openai-simulator' });
  });
});
