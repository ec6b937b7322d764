import { t } from '../../i18n';
import { DAYS, type Day, type SettingsForm } from './settings-form';

type Change = (form: SettingsForm) => void;

/** Weekly ranges: one row per range, each control labelled with its row (for screen readers). */
export function HoursFields({ form, onChange }: { form: SettingsForm; onChange: Change }) {
  const setRange = (index: number, key: 'day_of_week' | 'open_time' | 'close_time', value: string) =>
    onChange({ ...form, ranges: form.ranges.map((r, i) => (i === index ? { ...r, [key]: value } : r)) });
  return (
    <fieldset>
      <legend>{t('settings.hours')}</legend>
      <label class="check">
        <input type="checkbox" checked={form.hoursEnabled} onChange={(e) => onChange({ ...form, hoursEnabled: e.currentTarget.checked })} />{' '}
        {t('settings.hoursOn')}
      </label>
      <label>
        {t('settings.timezone')}{' '}
        <input name="timezone" value={form.timezone} onInput={(e) => onChange({ ...form, timezone: e.currentTarget.value })} />
      </label>
      {form.ranges.map((range, index) => (
        <div class="row" key={index} role="group" aria-label={`${t('settings.hours')} ${index + 1}`}>
          <label>
            {t('settings.day')}{' '}
            <select value={range.day_of_week} onChange={(e) => setRange(index, 'day_of_week', e.currentTarget.value as Day)}>
              {DAYS.map((day) => (
                <option key={day} value={day}>
                  {t(`day.${day}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('settings.open')}{' '}
            <input name={`open-${index}`} inputMode="numeric" size={5} value={range.open_time} onInput={(e) => setRange(index, 'open_time', e.currentTarget.value)} />
          </label>
          <label>
            {t('settings.close')}{' '}
            <input name={`close-${index}`} inputMode="numeric" size={5} value={range.close_time} onInput={(e) => setRange(index, 'close_time', e.currentTarget.value)} />
          </label>
          <button type="button" onClick={() => onChange({ ...form, ranges: form.ranges.filter((_, i) => i !== index) })}>
            {t('settings.remove')}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange({ ...form, ranges: [...form.ranges, { day_of_week: 'MONDAY', open_time: '0800', close_time: '1800' }] })}>
        {t('settings.addRange')}
      </button>
    </fieldset>
  );
}

export function HolidayFields({ form, onChange }: { form: SettingsForm; onChange: Change }) {
  const setHoliday = (index: number, key: 'date' | 'start_time' | 'end_time', value: string) =>
    onChange({ ...form, holidays: form.holidays.map((h, i) => (i === index ? { ...h, [key]: value } : h)) });
  return (
    <fieldset>
      <legend>{t('settings.holidays')}</legend>
      {form.holidays.length === 0 && <p class="muted">{t('settings.noHolidays')}</p>}
      {form.holidays.map((holiday, index) => (
        <div class="row" key={index} role="group" aria-label={`${t('settings.holidays')} ${index + 1}`}>
          <label>
            {t('settings.date')} <input type="date" value={holiday.date} onInput={(e) => setHoliday(index, 'date', e.currentTarget.value)} />
          </label>
          <label>
            {t('settings.start')}{' '}
            <input inputMode="numeric" size={5} value={holiday.start_time} onInput={(e) => setHoliday(index, 'start_time', e.currentTarget.value)} />
          </label>
          <label>
            {t('settings.end')}{' '}
            <input inputMode="numeric" size={5} value={holiday.end_time} onInput={(e) => setHoliday(index, 'end_time', e.currentTarget.value)} />
          </label>
          <button type="button" onClick={() => onChange({ ...form, holidays: form.holidays.filter((_, i) => i !== index) })}>
            {t('settings.remove')}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange({ ...form, holidays: [...form.holidays, { date: '', start_time: '0000', end_time: '2359' }] })}>
        {t('settings.addHoliday')}
      </button>
    </fieldset>
  );
}
