import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { fillSchema } from './schema-fill';
import { findDate, sentimentOf, splitSentences, summarise } from './summary';

// A Wednesday.
const TODAY = new Date('2026-03-04T10:00:00Z');

const CALL = [
  'Customer (Maria): Hello, I am calling about my order. It arrived broken.',
  'Agent Ana: I am sorry about that. We will send a replacement today.',
  'Customer (Maria): Please call me back on Friday to confirm.',
  'Agent Ana: Of course. Anything else?',
  'Customer (Maria): No, thank you.',
].join('\n');

describe('the call summary rule', () => {
  it('splits sentences and keeps who said them', () => {
    expect(splitSentences('[00:03] Agent Ana: Hi there. How can I help?\nplain line')).toEqual([
      { speaker: 'Agent Ana', text: 'Hi there.' },
      { speaker: 'Agent Ana', text: 'How can I help?' },
      { speaker: null, text: 'plain line' },
    ]);
  });

  it('builds reason, outcome, next steps, sentiment and follow-up date from the conversation', () => {
    expect(summarise(CALL, TODAY)).toEqual({
      reason: 'Hello, I am calling about my order.',
      outcome: 'No, thank you.',
      next_steps: ['We will send a replacement today.', 'Please call me back on Friday to confirm.'],
      sentiment: 'negative', // "broken" counts −1 and "No, thank you" −1 (the "no" flips "thank")
      follow_up_date: '2026-03-06',
      generated_by: 'recado-openai-simulator',
    });
  });

  it('takes the first sentence as the reason when nobody is labelled, and says so when there is no text', () => {
    expect(summarise('My card was charged twice. Fix it.', TODAY).reason).toBe('My card was charged twice.');
    expect(summarise('  \n ', TODAY)).toMatchObject({ reason: 'No conversation text was provided.', next_steps: [], sentiment: 'neutral', follow_up_date: null });
  });

  it('scores sentiment from the word lists, flipping a negated word', () => {
    expect(sentimentOf('Thanks, that was great')).toBe('positive');
    expect(sentimentOf('The package is late and damaged')).toBe('negative');
    expect(sentimentOf('I am not happy')).toBe('negative');
    expect(sentimentOf('The order number is 42')).toBe('neutral');
    expect(sentimentOf('Obrigado, ficou ótimo')).toBe('positive');
  });

  it('finds the first date, in the forms it documents', () => {
    expect(findDate('see you on 2026-05-01 or 2026-06-01', TODAY)).toBe('2026-05-01');
    expect(findDate('pagamento em 15/04/2026', TODAY)).toBe('2026-04-15');
    expect(findDate('call me on March 20', TODAY)).toBe('2026-03-20');
    expect(findDate('it was due January 5', TODAY)).toBe('2027-01-05');
    expect(findDate('no dia 3 de abril de 2026', TODAY)).toBe('2026-04-03');
    expect(findDate('call me back tomorrow', TODAY)).toBe('2026-03-05');
    expect(findDate('next Wednesday works', TODAY)).toBe('2026-03-11');
    expect(findDate('posso ligar na sexta?', TODAY)).toBe('2026-03-06');
    expect(findDate('31/02/2026 is no date', TODAY)).toBeNull();
    expect(findDate('nothing to schedule', TODAY)).toBeNull();
  });
});

describe('filling a json_schema', () => {
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  const context = { hints: { ...summarise(CALL, TODAY) }, sentences: splitSentences(CALL).map((s) => s.text), today: TODAY };

  it('fills the call summary schema from the summary', () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      required: ['reason', 'outcome', 'next_steps', 'sentiment', 'follow_up_date'],
      properties: {
        reason: { type: 'string' },
        outcome: { type: 'string' },
        next_steps: { type: 'array', items: { type: 'string' } },
        sentiment: { type: 'string', enum: ['positive', 'neutral', 'negative'] },
        follow_up_date: { anyOf: [{ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, { type: 'null' }] },
      },
    };
    const value = fillSchema(schema, context);
    expect(ajv.validate(schema, value)).toBe(true);
    expect(value).toEqual({
      reason: 'Hello, I am calling about my order.',
      outcome: 'No, thank you.',
      next_steps: ['We will send a replacement today.', 'Please call me back on Friday to confirm.'],
      sentiment: 'negative',
      follow_up_date: '2026-03-06',
    });
  });

  it('fills any other schema so that it validates', () => {
    const schema = {
      type: 'object',
      $defs: { person: { type: 'object', properties: { name: { type: 'string', minLength: 3, maxLength: 10 }, email: { type: 'string', format: 'email' } }, required: ['name', 'email'] } },
      properties: {
        priority: { type: 'string', enum: ['low', 'high'] },
        score: { type: 'integer', minimum: 3, maximum: 9 },
        ratio: { type: 'number', exclusiveMinimum: 0 },
        urgent: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        owner: { $ref: '#/$defs/person' },
        when: { type: 'string', format: 'date-time' },
        code: { type: 'string', pattern: '^[A-Z]{3}$' },
        kind: { const: 'call' },
        maybe: { type: ['string', 'null'] },
        sentiment: { type: 'string', enum: ['good', 'bad'] },
      },
      required: ['priority', 'score', 'ratio', 'urgent', 'tags', 'owner', 'when', 'kind', 'maybe', 'sentiment'],
    };
    const value = fillSchema(schema, context) as Record<string, unknown>;
    ajv.validate(schema, value);
    expect(ajv.errors ?? null).toBeNull();
    // The summary's sentiment does not fit this enum, so its first value is used.
    expect(value).toMatchObject({ priority: 'low', score: 3, urgent: false, kind: 'call', sentiment: 'good' });
    expect((value.tags as string[]).length).toBe(2);
  });
});
