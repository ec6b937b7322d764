/**
 * The simulator's call summary: a fixed, documented rule over the conversation text, never a model.
 *
 * - sentences: the text split at . ? ! and line breaks; a leading speaker label
 *   ("Customer:", "[00:12] Agent Ana:", "cliente -") is taken off and remembered.
 * - reason: the customer's first sentence (a sentence whose label says customer/cliente/caller);
 *   without labels, the first sentence.
 * - outcome: the last sentence.
 * - next_steps: up to 3 sentences holding an action cue (call back, send, will, schedule, tomorrow…).
 * - sentiment: positive minus negative words from small lists (a "not"/"no"/"não" just before a
 *   word flips it); > 0 positive, < 0 negative, 0 neutral.
 * - follow_up_date: the first date in the text: 2025-03-14, 14/03/2025, "March 14[, 2025]",
 *   "14 March [2025]", or relative to today (UTC): tomorrow/amanhã, a weekday name (its next
 *   occurrence). null when there is none.
 * - generated_by: always "recado-openai-simulator".
 */

export const SIMULATOR_MODEL = 'recado-openai-simulator';

export type Sentiment = 'positive' | 'neutral' | 'negative';

export interface CallSummary {
  reason: string;
  outcome: string;
  next_steps: string[];
  sentiment: Sentiment;
  follow_up_date: string | null;
  generated_by: string;
}

export interface Sentence {
  speaker: string | null;
  text: string;
}

const MAX_SENTENCE = 240;
const LABEL = /^\s*(?:\[[^\]]{1,20}\]\s*)?([\p{L}][\p{L}\p{N} ._'()-]{0,40}?)\s*[:\-–]\s+/u;
const CUSTOMER_LABEL = /\b(customer|client|cliente|caller|contact|contato)\b/i;

const ACTION_CUES = [
  'call back', 'call you', 'call me', 'will', "we'll", "i'll", 'send', 'follow up', 'schedule', 'tomorrow', 'next',
  'need to', 'going to', 'ligar', 'retornar', 'enviar', 'vamos', 'vou', 'amanhã',
];
const POSITIVE = ['thanks', 'thank', 'great', 'good', 'happy', 'perfect', 'excellent', 'resolved', 'glad', 'love', 'wonderful', 'nice', 'obrigado', 'obrigada', 'ótimo', 'otimo', 'perfeito', 'bom', 'resolvido'];
const NEGATIVE = ['broken', 'angry', 'bad', 'terrible', 'problem', 'issue', 'complaint', 'unhappy', 'late', 'wrong', 'worst', 'disappointed', 'cancel', 'refund', 'damaged', 'ruim', 'péssimo', 'pessimo', 'problema', 'quebrado', 'atrasado', 'cancelar', 'reclamação'];
const NEGATIONS = new Set(['not', 'no', 'never', "don't", "isn't", "wasn't", 'não', 'nao', 'nunca']);

export function splitSentences(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  for (const line of text.split(/\r?\n/)) {
    const label = LABEL.exec(line);
    const speaker = label ? label[1].trim() : null;
    const body = label ? line.slice(label[0].length) : line;
    for (const piece of body.split(/(?<=[.?!])\s+/)) {
      const clean = piece.trim();
      if (/[\p{L}\p{N}]/u.test(clean)) sentences.push({ speaker, text: clip(clean) });
    }
  }
  return sentences;
}

function clip(text: string): string {
  return text.length <= MAX_SENTENCE ? text : `${text.slice(0, MAX_SENTENCE - 1).trimEnd()}…`;
}

export function sentimentOf(text: string): Sentiment {
  const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  let score = 0;
  words.forEach((word, i) => {
    const sign = NEGATIONS.has(words[i - 1] ?? '') ? -1 : 1;
    if (POSITIVE.includes(word)) score += sign;
    if (NEGATIVE.includes(word)) score -= sign;
  });
  return score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
}

const MONTHS: Record<string, number> = {
  january: 1, february: 2, march: 3, april: 4, may: 5, june: 6, july: 7, august: 8, september: 9, october: 10, november: 11, december: 12,
  janeiro: 1, fevereiro: 2, março: 3, marco: 3, abril: 4, maio: 5, junho: 6, julho: 7, agosto: 8, setembro: 9, outubro: 10, novembro: 11, dezembro: 12,
};
const WEEKDAYS: Record<string, number> = {
  sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6,
  domingo: 0, segunda: 1, terça: 2, terca: 2, quarta: 3, quinta: 4, sexta: 5, sábado: 6, sabado: 6,
};

function isoDate(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

function addDays(today: Date, days: number): string {
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + days)).toISOString().slice(0, 10);
}

/** The first date the text names, as YYYY-MM-DD; the year defaults to the next such day from today. */
export function findDate(text: string, today: Date): string | null {
  const lower = text.toLowerCase();
  const monthNames = Object.keys(MONTHS).join('|');
  const weekdayNames = Object.keys(WEEKDAYS).join('|');
  const patterns: Array<[RegExp, (m: RegExpExecArray) => string | null]> = [
    [/\b(\d{4})-(\d{2})-(\d{2})\b/g, (m) => isoDate(+m[1], +m[2], +m[3])],
    [/\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/g, (m) => isoDate(+m[3], +m[2], +m[1])],
    [new RegExp(`\\b(${monthNames})\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?\\b`, 'gu'), (m) => withYear(today, MONTHS[m[1]], +m[2], m[3])],
    [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:de\\s+)?(${monthNames})(?:,?\\s+(?:de\\s+)?(\\d{4}))?\\b`, 'gu'), (m) => withYear(today, MONTHS[m[2]], +m[1], m[3])],
    [/\b(tomorrow|amanhã|amanha)\b/gu, () => addDays(today, 1)],
    [new RegExp(`(?<![\\p{L}])(${weekdayNames})(?![\\p{L}])`, 'gu'), (m) => addDays(today, ((WEEKDAYS[m[1]] - today.getUTCDay() + 6) % 7) + 1)],
  ];
  let best: { at: number; date: string } | null = null;
  for (const [pattern, toDate] of patterns) {
    for (let m = pattern.exec(lower); m; m = pattern.exec(lower)) {
      const date = toDate(m);
      if (date && (!best || m.index < best.at)) best = { at: m.index, date };
      if (date) break;
    }
  }
  return best?.date ?? null;
}

function withYear(today: Date, month: number, day: number, year: string | undefined): string | null {
  if (year) return isoDate(+year, month, day);
  const thisYear = isoDate(today.getUTCFullYear(), month, day);
  if (thisYear && thisYear >= today.toISOString().slice(0, 10)) return thisYear;
  return isoDate(today.getUTCFullYear() + 1, month, day);
}

export function summarise(text: string, today: Date = new Date()): CallSummary {
  const sentences = splitSentences(text);
  if (sentences.length === 0) {
    return { reason: 'No conversation text was provided.', outcome: 'No conversation text was provided.', next_steps: [], sentiment: 'neutral', follow_up_date: null, generated_by: SIMULATOR_MODEL };
  }
  const fromCustomer = sentences.find((s) => s.speaker !== null && CUSTOMER_LABEL.test(s.speaker));
  const nextSteps = sentences
    .filter((s) => ACTION_CUES.some((cue) => new RegExp(`(?<![\\p{L}])${cue}(?![\\p{L}])`, 'iu').test(s.text)))
    .slice(0, 3)
    .map((s) => s.text);
  return {
    reason: (fromCustomer ?? sentences[0]).text,
    outcome: sentences[sentences.length - 1].text,
    next_steps: nextSteps,
    sentiment: sentimentOf(sentences.map((s) => s.text).join(' ')),
    follow_up_date: findDate(text, today),
    generated_by: SIMULATOR_MODEL,
  };
}
