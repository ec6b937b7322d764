import { describe, expect, it } from '@jest/globals';
import { formFromSettings, settingsBody } from './settings-form';

describe('call settings form', () => {
  it('edits the saved object and keeps the fields it does not show', () => {
    const saved = {
      status: 'ENABLED',
      video: { status: 'DISABLED' },
      call_hours: { status: 'ENABLED', timezone_id: 'America/Manaus', weekly_operating_hours: [{ day_of_week: 'MONDAY', open_time: '0800', close_time: '1200' }] },
    };
    const form = formFromSettings(saved);
    expect(form).toMatchObject({ enabled: true, hoursEnabled: true, timezone: 'America/Manaus', callbackEnabled: false, iconVisible: true });
    const body = settingsBody(saved, { ...form, callbackEnabled: true, holidays: [{ date: '2026-12-25', start_time: '0000', end_time: '2359' }] });
    expect(body).toEqual({
      status: 'ENABLED',
      video: { status: 'DISABLED' },
      call_icon_visibility: 'DEFAULT',
      callback_permission_status: 'ENABLED',
      call_hours: {
        status: 'ENABLED',
        timezone_id: 'America/Manaus',
        weekly_operating_hours: [{ day_of_week: 'MONDAY', open_time: '0800', close_time: '1200' }],
        holiday_schedule: [{ date: '2026-12-25', start_time: '0000', end_time: '2359' }],
      },
    });
  });

  it('starts from calling on and no hours when nothing was saved', () => {
    expect(formFromSettings(null)).toMatchObject({ enabled: true, hoursEnabled: false, ranges: [], holidays: [] });
  });
});
