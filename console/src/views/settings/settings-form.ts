/**
 * The editable part of a number's call settings. The API takes Meta's `calling` object as is
 * (its OpenAPI body is a free-form object), so the console edits these fields and keeps every
 * other field of the saved object (video, sip, …) untouched when it saves.
 */
export const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type Day = (typeof DAYS)[number];

export interface HoursRange {
  day_of_week: Day;
  open_time: string;
  close_time: string;
}

export interface Holiday {
  date: string;
  start_time: string;
  end_time: string;
}

export interface SettingsForm {
  enabled: boolean;
  iconVisible: boolean;
  callbackEnabled: boolean;
  hoursEnabled: boolean;
  timezone: string;
  ranges: HoursRange[];
  holidays: Holiday[];
}

type Saved = Record<string, unknown> | null;

const isOn = (value: unknown) => typeof value === 'string' && value.toUpperCase() === 'ENABLED';

export function formFromSettings(saved: Saved): SettingsForm {
  const hours = (saved?.call_hours ?? {}) as Record<string, unknown>;
  return {
    enabled: saved ? isOn(saved.status) : true,
    iconVisible: saved?.call_icon_visibility === undefined || ['DEFAULT', 'visible'].includes(String(saved.call_icon_visibility)),
    callbackEnabled: saved ? isOn(saved.callback_permission_status) : false,
    hoursEnabled: isOn(hours.status),
    timezone: typeof hours.timezone_id === 'string' ? hours.timezone_id : 'America/Sao_Paulo',
    ranges: Array.isArray(hours.weekly_operating_hours) ? (hours.weekly_operating_hours as HoursRange[]) : [],
    holidays: Array.isArray(hours.holiday_schedule) ? (hours.holiday_schedule as Holiday[]) : [],
  };
}

/** The body of PUT /v1/whatsapp-numbers/{id}/call-settings: the saved object with the form's fields over it. */
export function settingsBody(saved: Saved, form: SettingsForm): Record<string, unknown> {
  const status = (on: boolean) => (on ? 'ENABLED' : 'DISABLED');
  return {
    ...(saved ?? {}),
    status: status(form.enabled),
    call_icon_visibility: form.iconVisible ? 'DEFAULT' : 'DISABLE_ALL',
    callback_permission_status: status(form.callbackEnabled),
    call_hours: {
      status: status(form.hoursEnabled),
      timezone_id: form.timezone,
      weekly_operating_hours: form.ranges,
      holiday_schedule: form.holidays,
    },
  };
}
