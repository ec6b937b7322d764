import { callSettingsProblems } from './call-settings.validation';

const hours = (over: Record<string, unknown> = {}) => ({
  status: 'ENABLED',
  timezone_id: 'America/Sao_Paulo',
  weekly_operating_hours: [
    { day_of_week: 'MONDAY', open_time: '0800', close_time: '1200' },
    { day_of_week: 'MONDAY', open_time: '1300', close_time: '1800' },
  ],
  ...over,
});
const settings = (over: Record<string, unknown> = {}) => ({ status: 'ENABLED', call_hours: hours(), ...over });
const fields = (body: unknown) => callSettingsProblems(body).map((p) => p.field);

describe('callSettingsProblems', () => {
  it('accepts Meta-shaped settings: always open, business hours, holidays, callback, icon', () => {
    expect(callSettingsProblems({ status: 'ENABLED' })).toEqual([]);
    expect(callSettingsProblems({ status: 'disabled' })).toEqual([]);
    const holidays = Array.from({ length: 20 }, (_, i) => ({ date: `2025-12-${String(i + 1).padStart(2, '0')}`, start_time: '0000', end_time: '2359' }));
    expect(
      callSettingsProblems(
        settings({ call_icon_visibility: 'DEFAULT', callback_permission_status: 'ENABLED', call_hours: hours({ holiday_schedule: holidays }) }),
      ),
    ).toEqual([]);
  });

  it("names fields Meta's spec refuses, relative to the body", () => {
    expect(callSettingsProblems({ status: 'ENABLED', call_icon_visibility: 'SOMETIMES' })).toEqual([
      { field: 'call_icon_visibility', message: 'must be one of: visible, hidden, DEFAULT, DISABLE_ALL' },
    ]);
    expect(fields({})).toEqual(['status']);
    expect(fields([])).toEqual(['body']);
    expect(fields(undefined)).toEqual(['body']);
    expect(fields(settings({ call_hours: hours({ weekly_operating_hours: [{ day_of_week: 'MONDAY', open_time: '8am', close_time: '1800' }] }) }))).toEqual([
      'call_hours.weekly_operating_hours[0].open_time',
    ]);
    expect(fields(settings({ call_hours: hours({ weekly_operating_hours: [null] }) }))).toEqual(['call_hours.weekly_operating_hours[0]']);
  });

  it('refuses more than 20 holidays', () => {
    const holidays = Array.from({ length: 21 }, (_, i) => ({ date: `2025-12-${String(i + 1).padStart(2, '0')}`, start_time: '0000', end_time: '2359' }));
    expect(fields(settings({ call_hours: hours({ holiday_schedule: holidays }) }))).toEqual(['call_hours.holiday_schedule']);
  });

  it('refuses fields the spec does not declare, at any depth', () => {
    expect(fields({ status: 'ENABLED', hours: {} })).toEqual(['hours']);
    expect(
      fields(settings({ call_hours: hours({ weekly_operating_hours: [{ day_of_week: 'MONDAY', open_time: '0800', close_time: '1200', note: 'x' }] }) })),
    ).toEqual(['call_hours.weekly_operating_hours[0].note']);
  });

  it('applies the rules the schema cannot say: ranges per day, overlaps, time zone', () => {
    const three = [
      { day_of_week: 'MONDAY', open_time: '0800', close_time: '1000' },
      { day_of_week: 'MONDAY', open_time: '1100', close_time: '1200' },
      { day_of_week: 'MONDAY', open_time: '1300', close_time: '1400' },
    ];
    expect(callSettingsProblems(settings({ call_hours: hours({ weekly_operating_hours: three }) }))).toEqual([
      { field: 'call_hours.weekly_operating_hours[2]', message: 'MONDAY has more than 2 ranges' },
    ]);
    const overlapping = [
      { day_of_week: 'TUESDAY', open_time: '0800', close_time: '1300' },
      { day_of_week: 'TUESDAY', open_time: '1200', close_time: '1800' },
    ];
    expect(fields(settings({ call_hours: hours({ weekly_operating_hours: overlapping }) }))).toEqual(['call_hours.weekly_operating_hours[1]']);
    expect(callSettingsProblems(settings({ call_hours: hours({ timezone_id: 'Mars/Olympus' }) }))).toEqual([
      { field: 'call_hours.timezone_id', message: 'not an IANA time zone: "Mars/Olympus"' },
    ]);
  });
});
