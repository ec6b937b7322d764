import { exactKey } from '../index/contact-document';
import {
  ATTR_FILTER,
  FACET_BY,
  parseTimestamp,
  phoneDigits,
  orderNumberKey,
  bucketedRange,
  planSearch,
  quote,
  SearchParamError,
  SORT,
  type AttributeDefs,
  type ContactSearchParams,
} from './search-params';


const defs: AttributeDefs = new Map([
  ['region', 'string'],
  ['score', 'number'],
  ['vip', 'boolean'],
  ['since', 'date'],
  ['skills', 'string_list'],
]);
const filter = (p: Parameters<typeof planSearch>[0], schemaVersion?: number) => planSearch(p, defs, { schemaVersion }).search.filter_by ?? '';
const inner = filter;
const key = exactKey;
const DAY = 86_400_000;
const failure = (fn: () => unknown): SearchParamError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof SearchParamError) return err;
    throw err;
  }
  throw new Error('expected a SearchParamError');
};

describe('planSearch', () => {
  it('always scopes to the account, alone or ANDed before the filters', () => {
    expect(filter({})).toBe('');
    expect(filter({ tag: ['vip'] })).toBe(`tags_k:${key('vip')}`);
  });

  it('quotes string values and refuses a backtick, naming the parameter', () => {
    expect(quote(') || (', 'tag')).toBe('`) || (`');
    for (const [field, p] of [
      ['tag', { tag: ['x` || account_id:other'] }],
      ['status', { status: ['a`'] }],
      ['identity', { identity: '`' }],
      ['order_number', { order_number: 'a`b' }],
      ['opted_in', { opted_in: '`&&`' }],
    ] as [string, ContactSearchParams][]) {
      const err = failure(() => planSearch(p, defs));
      expect(err.field).toBe(field);
      expect(err.kind).toBe('syntax');
    }
  });

  it('status: any of (repeated or comma list); tags: all of; reachable: all of', () => {
    expect(inner({ status: ['lead,cliente', 'ativo'] })).toBe(`status_k:[${key('lead')},${key('cliente')},${key('ativo')}]`);
    expect(inner({ tag: ['a', 'b'] })).toBe(`tags_k:${key('a')} && tags_k:${key('b')}`);
    expect(inner({ reachable: ['whatsapp', 'email'] })).toBe('reachable:`whatsapp` && reachable:`email`');
    expect(inner({ assigned_agent_id: 'a1', involved_agent_id: 'a2', opted_in: 'news', opted_out: 'sms', quote_status: 'sent' })).toBe(
      `assigned_agent_id_k:${key('a1')} && involved_agent_ids_k:${key('a2')} && opt_in_k:${key('news')} && opt_out_k:${key('sms')} && quote_status_k:${key('sent')}`,
    );
  });

  it('exact values by their one-token key, equal whatever the case, accents or repeated spaces', () => {
    expect(key('Negociação  Aberta')).toBe(key('negociacao aberta'));
    expect(key('lead')).toMatch(/^k[0-9a-f]{32}$/);
    expect(key('lead')).not.toBe(key('cold lead'));
    expect(key('black-friday')).not.toBe(key('black friday'));
    expect(inner({ status: ['Lead', 'lead'] })).toBe(`status_k:${key('lead')}`);
  });

  it('a collection of an older schema is searched without the aids it lacks', () => {
    const p: ContactSearchParams = { status: ['lead'], tag: ['vip'], quote_value_min: 1000, created_after: '2024-01-01T00:00:00Z', attr: ['region:sul', 'since<2024-01-01'] };
    const since = Date.UTC(2024, 0, 1);
    expect(filter(p, 3)).toBe(
      'status:=[`lead`] && tags:=[`vip`] && quote_value_floor:>=1000 && created_at:>=' + since + ' && ca_region_s:=[`sul`] && ca_since_d:<=' + (since - 1),
    );
    expect(filter({ quote_value_min: 0.07, quote_value_max: 20 }, 3)).toBe('(quote_value_floor:[1..19] || quote_value:[0.07..0.99] || quote_value:[20.00..20.00])');
    expect(filter({ quote_value_min: 0.07, quote_value_max: 20 }, 2)).toBe('quote_value:[0.07..20.00]');
    expect(filter({ channel: 'telegram' }, 3)).toBe('last_inbound_telegram:>=0');
  });

  it('numbers and times become ranges over whole buckets, finer only at the ends', () => {
    // Quotes: whole thousands, then whole units, then cents at the ends; bounds rounded inwards to the cent.
    expect(inner({ quote_value_min: 10.001, quote_value_max: 20.009 })).toBe(
      '(quote_value_floor:[11..19] || quote_value:[10.01..10.99] || quote_value:[20.00..20.00])',
    );
    expect(inner({ quote_value_min: 1000, quote_value_max: 20000 })).toBe('(quote_value_thousands:[1..19] || quote_value:[20000.00..20000.00])');
    expect(inner({ quote_value_min: 1500.5, quote_value_max: 20000 })).toBe(
      '(quote_value_thousands:[2..19] || quote_value_floor:[1501..1999] || quote_value:[1500.50..1500.99] || quote_value:[20000.00..20000.00])',
    );
    expect(inner({ quote_value_min: 5 })).toBe('(quote_value_thousands:>=1 || quote_value_floor:[5..999])');
    expect(inner({ quote_value_min: 0.07 })).toBe('(quote_value_thousands:>=1 || quote_value_floor:[1..999] || quote_value:[0.07..0.99])');
    expect(inner({ quote_value_max: 5.5 })).toBe('(quote_value_thousands:<=-1 || quote_value_floor:[0..4] || quote_value:[5.00..5.50])');
    expect(inner({ quote_value_min: -2.5, quote_value_max: 1 })).toBe('(quote_value_floor:[-2..0] || quote_value:[-2.50..-2.01] || quote_value:[1.00..1.00])');
    expect(inner({ quote_value_min: 10.25, quote_value_max: 10.75 })).toBe('quote_value:[10.25..10.75]');
    expect(inner({ quote_value_min: 10.5, quote_value_max: 11.25 })).toBe('quote_value:[10.50..11.25]');
    // Times (epoch ms): 32-day blocks, days, then milliseconds at the ends; before is exclusive.
    const jan1 = Date.UTC(2024, 0, 1);
    expect(inner({ created_after: '2024-01-01T00:00:00Z', created_before: '2024-01-02T00:00:00-03:00' })).toBe(
      `(created_at_day:[${jan1 / DAY}..${jan1 / DAY}] || created_at:[${jan1 + DAY}..${Date.UTC(2024, 0, 2, 3) - 1}])`,
    );
    expect(inner({ updated_after: '2024-01-01T00:00:00Z', updated_before: '2025-01-01T00:00:00Z' })).toBe(
      `(updated_at_d32:[${Math.ceil(jan1 / DAY / 32)}..${Math.floor(Date.UTC(2025, 0, 1) / DAY / 32) - 1}] || ` +
        `updated_at_day:[${jan1 / DAY}..${Math.ceil(jan1 / DAY / 32) * 32 - 1}] || updated_at_day:[${Math.floor(Date.UTC(2025, 0, 1) / DAY / 32) * 32}..${Date.UTC(2025, 0, 1) / DAY - 1}])`,
    );
    expect(inner({ last_inbound_after: '2024-01-01T00:00:00Z', channel: 'email' })).toBe(
      `(last_inbound_email_d32:>=${Math.ceil(jan1 / DAY / 32)} || last_inbound_email_day:[${jan1 / DAY}..${Math.ceil(jan1 / DAY / 32) * 32 - 1}])`,
    );
    expect(inner({ channel: 'telegram' })).toBe('last_inbound_telegram_d32:>=0');
    const upTo = (c: string) => `(last_inbound_${c}_d32:<=${Math.floor(jan1 / DAY / 32) - 1} || last_inbound_${c}_day:[${Math.floor(jan1 / DAY / 32) * 32}..${jan1 / DAY - 1}])`;
    expect(inner({ last_inbound_before: '2024-01-01T00:00:00Z' })).toBe(`(${['whatsapp', 'email', 'telegram', 'app'].map(upTo).join(' || ')})`);
  });

  it('a bucketed range covers exactly the values between its bounds', () => {
    // Every value from -300 to 300 against ranges with random bounds: a value matches one clause at most.
    const levels = [{ field: 'h', size: 100 }, { field: 't', size: 10 }, { field: 'v', size: 1 }];
    const parse = (clause: string) => {
      const m = /^(\w):(?:\[(-?\d+)\.\.(-?\d+)\]|>=(-?\d+)|<=(-?\d+))$/.exec(clause)!;
      const size = levels.find((l) => l.field === m[1])!.size;
      const [lo, hi] = [m[2] ?? m[4], m[3] ?? m[5]];
      return (v: number) => {
        const bucket = Math.floor(v / size);
        return (lo === undefined || bucket >= Number(lo)) && (hi === undefined || bucket <= Number(hi));
      };
    };
    for (let i = 1; i <= 300; i++) {
      const lo = i % 7 === 0 ? undefined : Math.floor(Math.random() * 600) - 300;
      const hi = i % 11 === 0 && lo !== undefined ? undefined : (lo ?? -300) + Math.floor(Math.random() * 400);
      const matchers = bucketedRange(lo, hi, levels).map(parse);
      for (let v = -300; v <= 300; v++) {
        const hits = matchers.filter((m) => m(v)).length;
        expect({ lo, hi, v, hits }).toEqual({ lo, hi, v, hits: (lo === undefined || v >= lo) && (hi === undefined || v <= hi) ? 1 : 0 });
      }
    }
  });

  it('identity: a phone by its digits, an e-mail lower-cased, any other id exactly', () => {
    expect(inner({ identity: '+55 (11) 98765-4321' })).toBe(
      '(phones:=`5511987654321` || whatsapp_ids:=`+55 (11) 98765-4321` || telegram_ids:=`+55 (11) 98765-4321` || app_user_ids:=`+55 (11) 98765-4321`)',
    );
    expect(inner({ identity: 'Maria@X.com' })).toBe('(emails:=`maria@x.com` || whatsapp_ids:=`Maria@X.com` || telegram_ids:=`Maria@X.com` || app_user_ids:=`Maria@X.com`)');
  });

  it('custom attributes by their typed field, in every grammar form', () => {
    expect(inner({ attr: ['region:sul'] })).toBe(`ca_region_s_k:${key('sul')}`);
    expect(inner({ attr: ['region:sul|sudeste'] })).toBe(`ca_region_s_k:[${key('sul')},${key('sudeste')}]`);
    expect(inner({ attr: ['region:a..b'] })).toBe(`ca_region_s_k:${key('a..b')}`);
    expect(inner({ attr: ['skills:java|go'] })).toBe(`ca_skills_sl_k:[${key('java')},${key('go')}]`);
    expect(inner({ attr: ['score>=7'] })).toBe('ca_score_n:>=7');
    expect(inner({ attr: ['score<-1.5'] })).toBe('ca_score_n:<-1.5');
    expect(inner({ attr: ['score:1..5.5'] })).toBe('ca_score_n:[1..5.5]');
    expect(inner({ attr: ['score:3|4'] })).toBe('ca_score_n:=[3,4]');
    expect(inner({ attr: ['vip:true'] })).toBe('ca_vip_b:=true');
    expect(inner({ attr: ['vip:true|false'] })).toBe('(ca_vip_b:=true || ca_vip_b:=false)');
    const jan1 = Date.UTC(2024, 0, 1);
    const block = Math.ceil((jan1 + DAY) / DAY / 32);
    expect(inner({ attr: ['since>2024-01-01'] })).toBe(
      `(ca_since_d_d32:>=${block} || ca_since_d_day:[${jan1 / DAY + 1}..${block * 32 - 1}] || ca_since_d:[${jan1 + 1}..${jan1 + DAY - 1}])`,
    );
    expect(inner({ attr: ['since<=2024-01-01'] })).toBe(`(ca_since_d_d32:<=${Math.floor(jan1 / DAY / 32) - 1} || ca_since_d_day:[${Math.floor(jan1 / DAY / 32) * 32}..${jan1 / DAY - 1}] || ca_since_d:[${jan1}..${jan1}])`);
    expect(inner({ attr: ['since:2024-01-01..2024-02-01T12:00:00Z'] })).toBe(
      `(ca_since_d_day:[${jan1 / DAY}..${Date.UTC(2024, 1, 1) / DAY - 1}] || ca_since_d:[${Date.UTC(2024, 1, 1)}..${Date.UTC(2024, 1, 1, 12)}])`,
    );
  });

  it('an undeclared key or a value of the wrong type is the account\'s problem (422); bad grammar is 400', () => {
    expect(failure(() => filter({ attr: ['nope:1'] }))).toMatchObject({ field: 'attr', kind: 'account' });
    expect(failure(() => filter({ attr: ['nope:1'] })).reason).toContain('"nope"');
    expect(failure(() => filter({ attr: ['score:abc'] }))).toMatchObject({ field: 'attr', kind: 'account' });
    expect(failure(() => filter({ attr: ['region>=5'] }))).toMatchObject({ field: 'attr', kind: 'account' });
    expect(failure(() => filter({ attr: ['vip:maybe'] }))).toMatchObject({ field: 'attr', kind: 'account' });
    expect(failure(() => filter({ attr: ['since:yesterday'] }))).toMatchObject({ field: 'attr', kind: 'account' });
    expect(failure(() => filter({ attr: ['score>=abc'] }))).toMatchObject({ field: 'attr', kind: 'syntax' });
    expect(failure(() => filter({ attr: ['Score:1'] }))).toMatchObject({ field: 'attr', kind: 'syntax' });
    expect(failure(() => filter({ attr: ['score:5..1'] }))).toMatchObject({ field: 'attr', kind: 'syntax' });
  });

  it('free text over the text fields; a phone by its digits, whole or as typed locally', () => {
    const text = planSearch({ q: 'maria' }, defs).search;
    expect(text).toMatchObject({ q: 'maria', query_by: 'name,emails,order_number,tags', prefix: 'true,false,false,false', sort_by: '_text_match:desc,updated_at:desc' });
    expect(text.num_typos).toBeUndefined();
    expect(planSearch({ q: '  ' }, defs).search).toMatchObject({ q: '*', sort_by: 'updated_at:desc' });
    const phone = planSearch({ q: '(11) 98765-4321' }, defs).search;
    expect(phone).toMatchObject({ q: '11987654321', query_by: 'phones,phone_tails,order_key', num_typos: '0,0,0' });
    expect(planSearch({ q: 'PED-2024-0042' }, defs).search).toMatchObject({ q: 'ped20240042', query_by: 'order_key', num_typos: '0' });
    expect(orderNumberKey('Maria')).toBeUndefined();
    expect(orderNumberKey('maria@example.com')).toBeUndefined();
    expect(phoneDigits('+55 11 98765-4321')).toBe('5511987654321');
    expect(phoneDigits('2024-001')).toBeUndefined();
    expect(phoneDigits('maria 123')).toBeUndefined();
  });

  it('sort over allowed fields and sortable attributes; facets over facet fields and facetable attributes', () => {
    expect(planSearch({ sort: 'attr.score:desc,name:asc,name:desc' }, defs).search.sort_by).toBe('ca_score_n:desc,name:asc');
    expect(planSearch({ sort: 'last_inbound_whatsapp:desc' }, defs).search.sort_by).toBe('last_inbound_whatsapp:desc');
    expect(failure(() => planSearch({ sort: 'attr.skills:asc' }, defs))).toMatchObject({ field: 'sort', kind: 'account' });
    expect(failure(() => planSearch({ sort: 'attr.nope:asc' }, defs))).toMatchObject({ field: 'sort', kind: 'account' });
    expect(failure(() => planSearch({ sort: 'revision:asc' }, defs))).toMatchObject({ field: 'sort', kind: 'syntax' });
    expect(SORT.test('a:asc,b:asc,c:asc,d:asc')).toBe(false);
    const plan = planSearch({ facet_by: 'status,attr.region,attr.vip' }, defs);
    expect(plan.search.facet_by).toBe('status,ca_region_s,ca_vip_b');
    expect([...plan.facets.keys()]).toEqual(['status', 'attr.region', 'attr.vip']);
    expect(failure(() => planSearch({ facet_by: 'attr.score' }, defs))).toMatchObject({ field: 'facet_by', kind: 'account' });
    expect(FACET_BY.test('name')).toBe(false);
  });

  it('the documented grammar of attr', () => {
    for (const ok of ['a:x', 'a:x|y', 'a>=1', 'a<2024-01-01', 'a>2024-01-01T10:00:00.5+03:00', 'a:1..2']) expect(ATTR_FILTER.test(ok)).toBe(true);
    for (const bad of ['a', 'a:', 'a>=x', 'A:x', 'a:`', '1a:x', 'a=x']) expect(ATTR_FILTER.test(bad)).toBe(false);
  });
});

describe('parseTimestamp', () => {
  it('reads RFC 3339 with offsets, fractions and leap seconds', () => {
    expect(parseTimestamp('2024-05-01T12:00:00Z', 'x')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseTimestamp('2024-05-01t12:00:00.25+02:30', 'x')).toBe(Date.UTC(2024, 4, 1, 9, 30, 0, 250));
    expect(parseTimestamp('2016-12-31T23:59:60Z', 'x')).toBe(Date.UTC(2016, 11, 31, 23, 59, 59, 999));
    expect(parseTimestamp('0001-01-01T00:00:00Z', 'x')).toBe(new Date('0001-01-01T00:00:00Z').getTime());
    expect(parseTimestamp('2024-05-01', 'x')).toBe(Date.UTC(2024, 4, 1));
    expect(failure(() => parseTimestamp('2024-13-01T00:00:00Z', 'created_after')).field).toBe('created_after');
    expect(failure(() => parseTimestamp('yesterday', 'x')).kind).toBe('syntax');
  });
});
