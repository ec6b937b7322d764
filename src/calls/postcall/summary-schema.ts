import Ajv from 'ajv';

/** The structured result the summary step asks the model for (chat completions, response_format json_schema). */
export const CALL_SUMMARY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['reason', 'outcome', 'next_steps', 'sentiment', 'follow_up_date'],
  properties: {
    reason: { type: 'string', description: 'Why the customer and the business spoke' },
    outcome: { type: 'string', description: 'How the call ended: what was agreed or resolved' },
    next_steps: { type: 'array', items: { type: 'string' }, description: 'What has to happen next, and by whom' },
    sentiment: { type: 'string', enum: ['positive', 'neutral', 'negative'], description: "The customer's mood" },
    follow_up_date: {
      type: ['string', 'null'],
      description: 'A follow-up date agreed in the call, as YYYY-MM-DD, or null',
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
    },
  },
} as const;

export interface CallSummary {
  reason: string;
  outcome: string;
  next_steps: string[];
  sentiment: 'positive' | 'neutral' | 'negative';
  follow_up_date: string | null;
}

const validate = new Ajv({ allErrors: true }).compile<CallSummary>(CALL_SUMMARY_SCHEMA);

/** The model's answer, checked against the schema; what is wrong is named. */
export function parseCallSummary(content: string): CallSummary {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new Error(`the summary is not JSON: ${content.slice(0, 200)}`);
  }
  if (!validate(parsed)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new Error(`the summary does not match its schema: ${problems}`);
  }
  return parsed;
}

export const SUMMARY_INSTRUCTIONS =
  'You summarise a phone call between a business and its customer from its transcript. ' +
  'Answer in the language of the transcript. Give the reason for the call, its outcome, the next steps, ' +
  "the customer's sentiment and a follow-up date if one was agreed (YYYY-MM-DD), else null.";
