import {
  contactEntries,
  personSearchItem,
  v1Time,
  v2Time,
  type SimActivity,
  type SimDeal,
  type SimNote,
  type SimPerson,
  type SimPipeline,
  type SimStage,
  type SimUser,
} from './records';

/**
 * The Pipedrive simulator's records and the rules of the calls that change them (what Pipedrive
 * refuses, what it fills in). Bodies arrive already checked against the documented request
 * schemas (src/crm/pipedrive/pipedrive.schemas.ts), so their types hold here.
 */

export class PipedriveApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PersonBody {
  name?: string;
  owner_id?: number;
  org_id?: number;
  emails?: { value: string; primary?: boolean; label?: string }[];
  phones?: { value: string; primary?: boolean; label?: string }[];
  visible_to?: number;
}

export interface DealBody {
  title?: string;
  owner_id?: number;
  person_id?: number;
  org_id?: number;
  pipeline_id?: number;
  stage_id?: number;
  value?: number;
  currency?: string;
  status?: 'open' | 'won' | 'lost';
  lost_reason?: string | null;
  expected_close_date?: string;
  label_ids?: number[];
}

export interface ActivityBody {
  subject?: string;
  type?: string;
  owner_id?: number;
  deal_id?: number;
  lead_id?: string;
  org_id?: number;
  due_date?: string;
  due_time?: string;
  duration?: string;
  busy?: boolean;
  done?: boolean;
  participants?: { person_id: number; primary?: boolean }[];
  note?: string;
}

export interface NoteBody {
  content: string;
  deal_id?: number;
  person_id?: number;
  org_id?: number;
  lead_id?: string;
  pinned_to_deal_flag?: 0 | 1;
}

const ApiError = PipedriveApiError;
const digits = (s: string) => s.replace(/\D/g, '');

export class PipedriveStore {
  readonly users = new Map<number, SimUser>();
  readonly pipelines = new Map<number, SimPipeline>();
  readonly stages = new Map<number, SimStage>();
  readonly persons = new Map<number, SimPerson>();
  readonly deals = new Map<number, SimDeal>();
  readonly activities = new Map<number, SimActivity>();
  readonly notes = new Map<number, SimNote>();
  readonly nextId = { user: 1, pipeline: 1, stage: 1, person: 1, deal: 1, activity: 1, note: 1 };

  constructor(private readonly now: () => number) {}

  found<T>(record: T | undefined, what: string): T {
    if (!record) throw new ApiError(404, `${what} not found`);
    return record;
  }

  person = (id: number) => this.found(this.persons.get(id), 'Person');
  deal = (id: number) => this.found(this.deals.get(id), 'Deal');

  private user(id: number | undefined, fallback: number, field: string): number {
    const userId = id ?? fallback;
    if (!this.users.has(userId)) throw new ApiError(400, `${field}: user ${userId} not found`);
    return userId;
  }

  searchPersons(q: Record<string, string | undefined>) {
    const term = (q.term ?? '').trim();
    const exact = q.exact_match === 'true' || q.exact_match === '1';
    if (term.length < (exact ? 1 : 2)) throw new ApiError(400, 'term must be at least 2 characters (1 with exact_match)');
    const fields = (q.fields ?? 'name,email,phone,notes,custom_fields').split(',');
    const unknown = fields.find((f) => !['name', 'email', 'phone', 'notes', 'custom_fields'].includes(f));
    if (unknown) throw new ApiError(400, `fields: unknown field "${unknown}"`);
    const limit = Math.min(500, Number(q.limit ?? 100) || 100);
    const text = (value: string) => (exact ? value.toLowerCase() === term.toLowerCase() : value.toLowerCase().includes(term.toLowerCase()));
    // Phones as typed differ in spaces and punctuation; compare their digits.
    const phone = (value: string) => digits(term) !== '' && (exact ? digits(value) === digits(term) : digits(value).includes(digits(term)));
    const items = [...this.persons.values()]
      .filter((p) => !p.is_deleted)
      .filter(
        (p) =>
          (fields.includes('name') && text(p.name)) ||
          (fields.includes('email') && p.emails.some((e) => text(e.value))) ||
          (fields.includes('phone') && p.phones.some((e) => phone(e.value))),
      )
      .slice(0, limit)
      .map((p) => personSearchItem(p, exact ? 1 : 0.5));
    return { success: true, data: { items }, additional_data: { next_cursor: null } };
  }

  savePerson(existing: SimPerson | undefined, body: PersonBody, userId: number): SimPerson {
    const now = v2Time(this.now());
    if (!existing && !body.name) throw new ApiError(400, 'name is required');
    const name: string = body.name ?? existing!.name;
    const [first, ...last] = name.split(' ');
    const person: SimPerson = {
      ...(existing ?? {
        id: this.nextId.person++,
        org_id: null,
        add_time: now,
        emails: [],
        phones: [],
        is_deleted: false,
        visible_to: 3,
        label_ids: [],
        picture_id: null,
        custom_fields: {},
      }),
      name,
      first_name: first ?? null,
      last_name: last.length ? last.join(' ') : null,
      owner_id: this.user(body.owner_id, existing?.owner_id ?? userId, 'owner_id'),
      update_time: now,
    } as SimPerson;
    if (body.emails !== undefined) person.emails = contactEntries(body.emails);
    if (body.phones !== undefined) person.phones = contactEntries(body.phones);
    if (body.org_id !== undefined) person.org_id = body.org_id;
    if (body.visible_to !== undefined) person.visible_to = body.visible_to;
    this.persons.set(person.id, person);
    return person;
  }

  /** The stage a deal goes to: the given one, else the first of the given (or the first) pipeline. */
  private placement(pipelineId: number | undefined, stageId: number | undefined): SimStage {
    if (stageId !== undefined) {
      const stage = this.stages.get(stageId);
      if (!stage) throw new ApiError(400, `stage_id: stage ${stageId} not found`);
      if (pipelineId !== undefined && stage.pipeline_id !== pipelineId) throw new ApiError(400, `stage_id: stage ${stageId} is not in pipeline ${pipelineId}`);
      return stage;
    }
    const pipeline = pipelineId ?? [...this.pipelines.values()].sort((a, b) => a.order_nr - b.order_nr)[0]?.id;
    if (pipeline === undefined || !this.pipelines.has(pipeline)) throw new ApiError(400, `pipeline_id: pipeline ${pipelineId} not found`);
    const first = [...this.stages.values()].filter((s) => s.pipeline_id === pipeline).sort((a, b) => a.order_nr - b.order_nr)[0];
    if (!first) throw new ApiError(400, `pipeline_id: pipeline ${pipeline} has no stages`);
    return first;
  }

  createDeal(body: DealBody, userId: number): SimDeal {
    if (body.person_id !== undefined && !this.persons.has(body.person_id)) throw new ApiError(400, `person_id: person ${body.person_id} not found`);
    const stage = this.placement(body.pipeline_id, body.stage_id);
    const now = v2Time(this.now());
    const deal: SimDeal = {
      id: this.nextId.deal++,
      title: body.title ?? '',
      creator_user_id: userId,
      owner_id: this.user(body.owner_id, userId, 'owner_id'),
      value: body.value ?? 0,
      person_id: body.person_id ?? null,
      org_id: body.org_id ?? null,
      stage_id: stage.id,
      pipeline_id: stage.pipeline_id,
      currency: body.currency ?? 'USD',
      archive_time: null,
      add_time: now,
      update_time: now,
      stage_change_time: null,
      status: 'open',
      is_archived: false,
      is_deleted: false,
      probability: null,
      lost_reason: null,
      visible_to: 3,
      close_time: null,
      won_time: null,
      lost_time: null,
      local_won_date: null,
      local_lost_date: null,
      local_close_date: null,
      expected_close_date: body.expected_close_date ?? null,
      label_ids: body.label_ids ?? [],
      origin: 'API',
      origin_id: null,
      channel: null,
      channel_id: null,
      source_lead_id: null,
      acv: null,
      arr: null,
      mrr: null,
      custom_fields: {},
    };
    this.deals.set(deal.id, deal);
    return body.status && body.status !== 'open' ? this.updateDeal(deal, { status: body.status }) : deal;
  }

  updateDeal(deal: SimDeal, body: DealBody): SimDeal {
    const nowMs = this.now();
    const now = v2Time(nowMs);
    if (body.lost_reason != null && (body.status ?? deal.status) !== 'lost') throw new ApiError(400, 'lost_reason can only be set if deal status is lost');
    if (body.pipeline_id !== undefined || body.stage_id !== undefined) {
      const stage = this.placement(body.pipeline_id, body.stage_id);
      if (stage.id !== deal.stage_id) deal.stage_change_time = now;
      deal.stage_id = stage.id;
      deal.pipeline_id = stage.pipeline_id;
    }
    if (body.owner_id !== undefined) deal.owner_id = this.user(body.owner_id, deal.owner_id, 'owner_id');
    if (body.title !== undefined) deal.title = body.title;
    if (body.value !== undefined) deal.value = body.value;
    if (body.currency !== undefined) deal.currency = body.currency;
    if (body.person_id !== undefined) deal.person_id = body.person_id;
    // Marking a deal won again keeps its first won time: closing is idempotent.
    if (body.status !== undefined && body.status !== deal.status) {
      deal.status = body.status;
      const date = now.slice(0, 10);
      deal.won_time = body.status === 'won' ? now : null;
      deal.lost_time = body.status === 'lost' ? now : null;
      deal.close_time = body.status === 'open' ? null : now;
      deal.local_won_date = body.status === 'won' ? date : null;
      deal.local_lost_date = body.status === 'lost' ? date : null;
      deal.local_close_date = body.status === 'open' ? null : date;
      deal.lost_reason = body.status === 'lost' ? (body.lost_reason ?? null) : null;
    }
    deal.update_time = now;
    return deal;
  }

  createActivity(body: ActivityBody, userId: number): SimActivity {
    if (body.deal_id !== undefined && !this.deals.has(body.deal_id)) throw new ApiError(400, `deal_id: deal ${body.deal_id} not found`);
    const deal = body.deal_id !== undefined ? this.deals.get(body.deal_id) : undefined;
    const now = v2Time(this.now());
    // Pipedrive links the deal's person when no participants are given.
    const participants = (body.participants ?? (deal?.person_id ? [{ person_id: deal.person_id, primary: true }] : [])).map((p) => ({
      person_id: p.person_id,
      primary: p.primary === true,
    }));
    const activity: SimActivity = {
      id: this.nextId.activity++,
      subject: body.subject ?? 'Call',
      type: body.type ?? 'call',
      owner_id: this.user(body.owner_id, userId, 'owner_id'),
      creator_user_id: userId,
      is_deleted: false,
      add_time: now,
      update_time: now,
      deal_id: body.deal_id ?? null,
      lead_id: body.lead_id ?? null,
      person_id: participants.find((p) => p.primary)?.person_id ?? null,
      org_id: body.org_id ?? deal?.org_id ?? null,
      project_id: null,
      due_date: body.due_date ?? null,
      due_time: body.due_time ?? null,
      duration: body.duration ?? null,
      busy: body.busy ?? false,
      done: body.done ?? false,
      marked_as_done_time: body.done ? now : null,
      location: null,
      participants,
      attendees: [],
      conference_meeting_client: null,
      conference_meeting_url: null,
      conference_meeting_id: null,
      public_description: null,
      priority: null,
      note: body.note ?? null,
    };
    this.activities.set(activity.id, activity);
    return activity;
  }

  createNote(body: NoteBody, userId: number): SimNote {
    const deal = body.deal_id !== undefined ? this.found(this.deals.get(body.deal_id), 'Deal') : undefined;
    const personId: number | undefined = body.person_id ?? deal?.person_id ?? undefined;
    const person = personId !== undefined ? this.persons.get(personId) : undefined;
    const user = this.users.get(userId)!;
    const now = v1Time(this.now());
    const note: SimNote = {
      id: this.nextId.note++,
      active_flag: true,
      add_time: now,
      content: body.content,
      deal: deal ? { title: deal.title } : null,
      lead_id: body.lead_id ?? null,
      deal_id: deal?.id ?? null,
      last_update_user_id: null,
      org_id: body.org_id ?? null,
      organization: null,
      person: person ? { name: person.name } : null,
      person_id: person?.id ?? null,
      project_id: null,
      project: null,
      pinned_to_lead_flag: false,
      pinned_to_deal_flag: body.pinned_to_deal_flag === 1,
      pinned_to_organization_flag: false,
      pinned_to_person_flag: false,
      pinned_to_project_flag: false,
      update_time: now,
      user: { email: user.email, icon_url: null, is_you: true, name: user.name },
      user_id: userId,
    };
    this.notes.set(note.id, note);
    return note;
  }
}
