import { pipedriveBodyChecker } from '../../crm/pipedrive/pipedrive.schemas';
import { DEFAULT_RATE_LIMITS, TokenBuckets, type RateLimitSettings } from './rate-limit';
import { PipedriveApiError, PipedriveStore, type ActivityBody, type DealBody, type NoteBody, type PersonBody } from './store';
import type { SimPipeline, SimStage, SimUser } from './records';

/**
 * An in-process stand-in for the parts of Pipedrive's REST API recado uses
 * (developers.pipedrive.com/docs/api/v1): persons (search, create, read, update), deals (create,
 * read, update), activities (create, read) on /api/v2, notes on /v1; API-token auth; the burst
 * rate limit; forced faults. State and rules only; the HTTP layer is server.ts.
 */

const ERROR_INFO = 'Please check developers.pipedrive.com';

export interface SimRequest {
  method: string;
  /** Without the query string. */
  path: string;
  query: Record<string, string | undefined>;
  body: unknown;
  /** From the x-api-token header or the api_token query parameter. */
  token: string | undefined;
}

export interface SimAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface SimFault {
  /** Matches every method when absent. */
  method?: string;
  /** A substring of the path, e.g. "/api/v2/deals"; every path when absent. */
  path?: string;
  /** 401, 429, 500, 502, 503… */
  status: number;
  /** How many matching requests fail; 1 by default. */
  count?: number;
  /** For a 429: the Retry-After / x-ratelimit-reset it announces. Default 10 s (Pipedrive's penalty). */
  retryAfterSeconds?: number;
}

export interface PipedriveSimulatorOptions {
  now?: () => number;
  /** token → user id; the users must exist (user 1 always does). */
  apiTokens?: Record<string, number>;
  rateLimits?: Partial<Record<'general' | 'search', Partial<RateLimitSettings>>>;
  /** POST/PUT/PATCH requests a token may make per day (x-daily-requests-left). */
  dailyWriteLimit?: number;
}

const failure = (error: string) => ({ success: false, error, error_info: ERROR_INFO, data: null, additional_data: null });
// Pipedrive's gateway answers a refused token with this body (recorded: test/fixtures/pipedrive/README.md).
const UNAUTHORIZED_BODY = { success: false, error: 'unauthorized access', errorCode: 401, error_info: ERROR_INFO };
const RATE_LIMITED_BODY = { success: false, error: 'Request over limit', errorCode: 429, error_info: ERROR_INFO };

const bodyCheck = pipedriveBodyChecker('lenient');

export class PipedriveSimulator {
  private readonly now: () => number;
  private readonly store: PipedriveStore;
  private readonly tokens = new Map<string, number>();
  private readonly faults: (SimFault & { left: number })[] = [];
  private readonly log: { method: string; path: string; status: number; body: unknown }[] = [];
  private readonly dailyWrites = new Map<string, number>();
  private readonly dailyWriteLimit: number;
  private readonly buckets: Record<'general' | 'search', TokenBuckets>;

  constructor(options: PipedriveSimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.store = new PipedriveStore(this.now);
    this.dailyWriteLimit = options.dailyWriteLimit ?? 10_000;
    this.buckets = {
      general: new TokenBuckets({ ...DEFAULT_RATE_LIMITS.general, ...options.rateLimits?.general }, this.now),
      search: new TokenBuckets({ ...DEFAULT_RATE_LIMITS.search, ...options.rateLimits?.search }, this.now),
    };
    this.addUser({ name: 'Simulated Admin', email: 'admin@example.com' });
    // A new Pipedrive company's default pipeline.
    this.addPipeline({ name: 'Pipeline', stages: ['Qualified', 'Contact Made', 'Demo Scheduled', 'Proposal Made', 'Negotiations Started'] });
    for (const [token, userId] of Object.entries(options.apiTokens ?? {})) this.addToken(token, userId);
  }

  // --- scripting for tests and demos
  addUser(input: { name?: string; email?: string } = {}): SimUser {
    const id = this.store.nextId.user++;
    const user = { id, name: input.name ?? `User ${id}`, email: input.email ?? `user${id}@example.com` };
    this.store.users.set(id, user);
    return user;
  }

  addToken(token: string, userId = 1): void {
    if (!this.store.users.has(userId)) throw new Error(`no user ${userId}`);
    this.tokens.set(token, userId);
  }

  addPipeline(input: { name: string; stages: string[] }): { pipeline: SimPipeline; stages: SimStage[] } {
    const pipeline = { id: this.store.nextId.pipeline++, name: input.name, order_nr: this.store.pipelines.size + 1 };
    this.store.pipelines.set(pipeline.id, pipeline);
    const stages = input.stages.map((name, i) => ({ id: this.store.nextId.stage++, name, pipeline_id: pipeline.id, order_nr: i + 1 }));
    for (const s of stages) this.store.stages.set(s.id, s);
    return { pipeline, stages };
  }

  setRateLimit(kind: 'general' | 'search', settings: Partial<RateLimitSettings>): void {
    this.buckets[kind].configure(settings);
  }

  addFault(fault: SimFault): void {
    this.faults.push({ ...fault, left: fault.count ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  state() {
    return {
      users: [...this.store.users.values()],
      pipelines: [...this.store.pipelines.values()],
      stages: [...this.store.stages.values()],
      persons: [...this.store.persons.values()],
      deals: [...this.store.deals.values()],
      activities: [...this.store.activities.values()],
      notes: [...this.store.notes.values()],
    };
  }

  /** What clients asked, in order (method, path, status and body; never tokens or queries). */
  requests() {
    return [...this.log];
  }

  // --- the API
  handle(req: SimRequest): SimAnswer {
    const answer = this.answer(req);
    this.log.push({ method: req.method, path: req.path, status: answer.status, body: req.body });
    return answer;
  }

  private answer(req: SimRequest): SimAnswer {
    const userId = req.token !== undefined ? this.tokens.get(req.token) : undefined;
    if (userId === undefined) return { status: 401, headers: {}, body: UNAUTHORIZED_BODY };
    const token = req.token!;
    const fault = this.takeFault(req);
    const kind = req.path.endsWith('/search') ? 'search' : 'general';
    if (fault?.status === 429) {
      return { status: 429, headers: this.buckets[kind].refused((fault.retryAfterSeconds ?? 10) * 1000).headers, body: RATE_LIMITED_BODY };
    }
    const verdict = this.buckets[kind].take(token);
    if (!verdict.allowed) return { status: 429, headers: verdict.headers, body: RATE_LIMITED_BODY };
    const headers = { ...verdict.headers };
    if (req.method !== 'GET') {
      const used = (this.dailyWrites.get(token) ?? 0) + 1;
      this.dailyWrites.set(token, used);
      headers['x-daily-requests-left'] = String(Math.max(0, this.dailyWriteLimit - used));
    }
    if (fault?.status === 401) return { status: 401, headers, body: UNAUTHORIZED_BODY };
    if (fault) return { status: fault.status, headers, body: failure(fault.status >= 500 ? 'Internal server error' : 'Forced failure') };
    try {
      return { status: 200, headers, body: this.route(req, userId) };
    } catch (err) {
      if (err instanceof PipedriveApiError) return { status: err.status, headers, body: failure(err.message) };
      throw err;
    }
  }

  private takeFault(req: SimRequest): SimFault | undefined {
    const i = this.faults.findIndex(
      (f) => f.left > 0 && (!f.method || f.method.toUpperCase() === req.method) && (!f.path || req.path.includes(f.path)),
    );
    if (i < 0) return undefined;
    const fault = this.faults[i];
    if (--fault.left === 0) this.faults.splice(i, 1);
    return fault;
  }

  private route(req: SimRequest, userId: number): unknown {
    const m = /^\/(?:api\/)?(v1|v2)\/([a-zA-Z]+)(?:\/(search|\d+))?$/.exec(req.path);
    const [version, resource, rest] = m ? [m[1], m[2], m[3]] : [];
    const id = rest && rest !== 'search' ? Number(rest) : undefined;
    const at = `${req.method} ${version}/${resource}${rest === 'search' ? '/search' : id !== undefined ? '/:id' : ''}`;
    const s = this.store;
    switch (at) {
      case 'GET v2/persons/search':
        return s.searchPersons(req.query);
      case 'GET v2/persons/:id':
        return { success: true, data: s.person(id!) };
      case 'POST v2/persons':
        return { success: true, data: s.savePerson(undefined, this.checked<PersonBody>('person', req.body), userId) };
      case 'PATCH v2/persons/:id':
        return { success: true, data: s.savePerson(s.person(id!), this.checked<PersonBody>('person', req.body), userId) };
      case 'POST v2/deals':
        return { success: true, data: s.createDeal(this.checked<DealBody>('addDeal', req.body), userId) };
      case 'GET v2/deals/:id':
        return { success: true, data: s.deal(id!) };
      case 'PATCH v2/deals/:id':
        return { success: true, data: s.updateDeal(s.deal(id!), this.checked<DealBody>('updateDeal', req.body)) };
      case 'POST v2/activities':
        return { success: true, data: s.createActivity(this.checked<ActivityBody>('addActivity', req.body), userId) };
      case 'GET v2/activities/:id':
        return { success: true, data: s.found(this.store.activities.get(id!), 'Activity') };
      case 'POST v1/notes':
        return { success: true, data: s.createNote(this.checked<NoteBody>('addNote', req.body), userId) };
      case 'GET v1/notes/:id':
        return { success: true, data: s.found(this.store.notes.get(id!), 'Note') };
      case 'GET v2/pipelines':
        return { success: true, data: [...this.store.pipelines.values()], additional_data: { next_cursor: null } };
      case 'GET v2/stages':
        return { success: true, data: [...this.store.stages.values()], additional_data: { next_cursor: null } };
      default:
        throw new PipedriveApiError(404, 'Unknown method .');
    }
  }

  private checked<T>(kind: Parameters<typeof bodyCheck>[0], body: unknown): T {
    const problem = bodyCheck(kind, body);
    if (problem) throw new PipedriveApiError(400, problem);
    return body as T;
  }

}
