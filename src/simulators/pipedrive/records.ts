/**
 * The records the Pipedrive simulator keeps, in the shapes Pipedrive answers with: v2 persons,
 * deals and activities (fields of the official SDK's v2 models and of the v2 spec examples), v1
 * notes. Fields recado never sets are there with Pipedrive's defaults so that clients reading
 * them see what they would see from Pipedrive.
 */

export interface SimUser {
  id: number;
  name: string;
  email: string;
}

export interface SimStage {
  id: number;
  name: string;
  pipeline_id: number;
  order_nr: number;
}

export interface SimPipeline {
  id: number;
  name: string;
  order_nr: number;
}

export interface ContactEntry {
  value: string;
  primary: boolean;
  label: string;
}

export interface SimPerson {
  id: number;
  name: string;
  first_name: string | null;
  last_name: string | null;
  owner_id: number;
  org_id: number | null;
  add_time: string;
  update_time: string;
  emails: ContactEntry[];
  phones: ContactEntry[];
  is_deleted: boolean;
  visible_to: number;
  label_ids: number[];
  picture_id: number | null;
  custom_fields: Record<string, unknown>;
}

export interface SimDeal {
  id: number;
  title: string;
  creator_user_id: number;
  owner_id: number;
  value: number;
  person_id: number | null;
  org_id: number | null;
  stage_id: number;
  pipeline_id: number;
  currency: string;
  archive_time: string | null;
  add_time: string;
  update_time: string;
  stage_change_time: string | null;
  status: 'open' | 'won' | 'lost';
  is_archived: boolean;
  is_deleted: boolean;
  probability: number | null;
  lost_reason: string | null;
  visible_to: number;
  close_time: string | null;
  won_time: string | null;
  lost_time: string | null;
  local_won_date: string | null;
  local_lost_date: string | null;
  local_close_date: string | null;
  expected_close_date: string | null;
  label_ids: number[];
  origin: string;
  origin_id: string | null;
  channel: number | null;
  channel_id: string | null;
  source_lead_id: string | null;
  acv: number | null;
  arr: number | null;
  mrr: number | null;
  custom_fields: Record<string, unknown>;
}

export interface SimActivity {
  id: number;
  subject: string;
  type: string;
  owner_id: number;
  creator_user_id: number;
  is_deleted: boolean;
  add_time: string;
  update_time: string;
  deal_id: number | null;
  lead_id: string | null;
  person_id: number | null;
  org_id: number | null;
  project_id: number | null;
  due_date: string | null;
  due_time: string | null;
  duration: string | null;
  busy: boolean;
  done: boolean;
  marked_as_done_time: string | null;
  location: Record<string, unknown> | null;
  participants: { person_id: number; primary: boolean }[];
  attendees: unknown[];
  conference_meeting_client: string | null;
  conference_meeting_url: string | null;
  conference_meeting_id: string | null;
  public_description: string | null;
  priority: number | null;
  note: string | null;
}

export interface SimNote {
  id: number;
  active_flag: boolean;
  add_time: string;
  content: string;
  deal: { title: string } | null;
  lead_id: string | null;
  deal_id: number | null;
  last_update_user_id: number | null;
  org_id: number | null;
  organization: { name: string } | null;
  person: { name: string } | null;
  person_id: number | null;
  project_id: number | null;
  project: { title: string } | null;
  pinned_to_lead_flag: boolean;
  pinned_to_deal_flag: boolean;
  pinned_to_organization_flag: boolean;
  pinned_to_person_flag: boolean;
  pinned_to_project_flag: boolean;
  update_time: string;
  user: { email: string; icon_url: string | null; is_you: boolean; name: string };
  user_id: number;
}

/** v2 timestamps: RFC 3339 in UTC, whole seconds ("2021-01-01T00:00:00Z"). */
export const v2Time = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** v1 timestamps: "YYYY-MM-DD HH:MM:SS" in UTC. */
export const v1Time = (ms: number) => v2Time(ms).replace('T', ' ').replace('Z', '');

/** A search hit as GET /api/v2/persons/search returns it (emails and phones as plain strings). */
export function personSearchItem(p: SimPerson, score: number) {
  return {
    result_score: score,
    item: {
      id: p.id,
      type: 'person',
      name: p.name,
      phones: p.phones.map((e) => e.value),
      emails: p.emails.map((e) => e.value),
      visible_to: p.visible_to,
      owner: { id: p.owner_id },
      organization: null,
      custom_fields: [] as string[],
      notes: [] as string[],
    },
  };
}

/**
 * Email or phone entries from a request: the first primary one stays primary (the first entry
 * when none is), labels default to "work" as Pipedrive's do.
 */
export function contactEntries(raw: unknown): ContactEntry[] {
  const list = Array.isArray(raw) ? (raw as { value: string; primary?: boolean; label?: string }[]) : [];
  const primaryAt = Math.max(0, list.findIndex((e) => e.primary === true));
  return list.map((e, i) => ({ value: e.value, primary: i === primaryAt, label: e.label ?? 'work' }));
}
