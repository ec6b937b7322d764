import type { StoreTemplateRow } from '../model';
import { pickTemplate } from './pick-template';

let n = 0;
function row(over: Partial<StoreTemplateRow>): StoreTemplateRow {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    account_id: 'a',
    store_id: 's',
    event_type: 'cart_abandoned',
    step: null,
    variant: 'A',
    weight: 1,
    enabled: true,
    category: 'marketing',
    content: { body: 'Oi' },
    meta_template: null,
    created_at: new Date(0),
    updated_at: new Date(0),
    ...over,
  };
}
const contacts = (count: number) => Array.from({ length: count }, (_, i) => `contact-${i}`);

describe('pickTemplate', () => {
  it("prefers the step's own templates, else the every-step ones; other events never", () => {
    const every = row({ step: null });
    const second = row({ step: 1 });
    const other = row({ event_type: 'boleto_issued', step: 0 });
    const templates = [every, second, other];
    expect(pickTemplate(templates, { eventType: 'cart_abandoned', step: 1, contactId: 'c' })).toBe(second);
    expect(pickTemplate(templates, { eventType: 'cart_abandoned', step: 0, contactId: 'c' })).toBe(every);
    expect(pickTemplate(templates, { eventType: 'order_paid', step: 0, contactId: 'c' })).toBeUndefined();
  });

  it('a disabled template silences its step (no fallback), and weight 0 is never picked', () => {
    const templates = [row({ step: null }), row({ step: 2, enabled: false })];
    expect(pickTemplate(templates, { eventType: 'cart_abandoned', step: 2, contactId: 'c' })).toBeUndefined();
    expect(pickTemplate([row({ step: null, enabled: false })], { eventType: 'cart_abandoned', step: 0, contactId: 'c' })).toBeUndefined();
    const a = row({ variant: 'A', weight: 0 });
    const b = row({ variant: 'B', weight: 1 });
    for (const contactId of contacts(500)) expect(pickTemplate([a, b], { eventType: 'cart_abandoned', step: 0, contactId })).toBe(b);
    expect(pickTemplate([row({ weight: 0 })], { eventType: 'cart_abandoned', step: 0, contactId: 'c' })).toBeUndefined();
  });

  it('splits variants by weight, the same way for a contact every time, whatever the row order', () => {
    const a = row({ variant: 'A', weight: 1 });
    const b = row({ variant: 'B', weight: 3 });
    const counts = { A: 0, B: 0 };
    for (const contactId of contacts(8000)) {
      const at = { eventType: 'cart_abandoned', step: 0, contactId };
      const picked = pickTemplate([a, b], at)!;
      expect(pickTemplate([b, a], at)).toBe(picked);
      counts[picked.variant as 'A' | 'B']++;
    }
    // Expected 2000 / 6000; a fair hash stays well within ±10 %.
    expect(counts.A).toBeGreaterThan(1800);
    expect(counts.A).toBeLessThan(2200);
    expect(counts.A + counts.B).toBe(8000);
  });

  it('splits each step independently, so one contact may see different variants at different steps', () => {
    const a = row({ variant: 'A' });
    const b = row({ variant: 'B' });
    const differs = contacts(200).filter((contactId) => pickTemplate([a, b], { eventType: 'cart_abandoned', step: 0, contactId }) !== pickTemplate([a, b], { eventType: 'cart_abandoned', step: 1, contactId }));
    expect(differs.length).toBeGreaterThan(50);
    expect(differs.length).toBeLessThan(150);
  });
});
