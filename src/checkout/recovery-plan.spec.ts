import { crmBehind, planRecovery, type CrmProgress, type RecoveryInput } from './recovery-plan';

const synced: CrmProgress = { state: 'synced', hasDeal: true, won: false, hasFollowUp: false };
const at = (over: Partial<RecoveryInput>): RecoveryInput => ({ state: 'open', abandonAt: 1000, expiresAt: 5000, now: 0, crm: synced, ...over });

describe('planRecovery', () => {
  it('syncs the CRM first: a new deal, a won deal, a follow-up', () => {
    expect(planRecovery(at({ crm: { ...synced, state: 'pending', hasDeal: false } }))).toEqual({ kind: 'sync_crm' });
    expect(planRecovery(at({ state: 'paid', crm: { ...synced, state: 'pending' } }))).toEqual({ kind: 'sync_crm' });
    expect(planRecovery(at({ state: 'abandoned', now: 2000, crm: { ...synced, state: 'pending' } }))).toEqual({ kind: 'sync_crm' });
  });

  it('waits for the payment until the abandon time, then abandons', () => {
    expect(planRecovery(at({}))).toEqual({ kind: 'wait', until: 1000, reason: 'awaiting the payment' });
    expect(planRecovery(at({ now: 1000 }))).toEqual({ kind: 'abandon' });
  });

  it('abandons on time even while the CRM is behind: the customer is not held up by the CRM', () => {
    expect(planRecovery(at({ now: 1500, crm: { ...synced, state: 'parked', hasDeal: false } }))).toEqual({ kind: 'abandon' });
  });

  it('after abandoning, a payment may still come until expiry', () => {
    const abandoned = at({ state: 'abandoned', now: 2000, crm: { ...synced, hasFollowUp: true } });
    expect(planRecovery(abandoned)).toEqual({ kind: 'wait', until: 5000, reason: 'abandoned: a payment still closes it' });
    expect(planRecovery({ ...abandoned, now: 5000 })).toEqual({ kind: 'expire' });
  });

  it('paid with the deal won is done; paid with the CRM parked waits for resume-crm only', () => {
    expect(planRecovery(at({ state: 'paid', crm: { ...synced, won: true } }))).toEqual({ kind: 'done', state: 'paid' });
    expect(planRecovery(at({ state: 'paid', crm: { ...synced, state: 'parked' } }))).toEqual({ kind: 'wait', until: null, reason: 'the CRM work is parked until resume-crm' });
  });

  it('no CRM connected: only the payment matters', () => {
    const none: CrmProgress = { state: 'none', hasDeal: false, won: false, hasFollowUp: false };
    expect(crmBehind('paid', none)).toBe(false);
    expect(planRecovery(at({ state: 'paid', crm: none }))).toEqual({ kind: 'done', state: 'paid' });
  });

  it('an intent that never got its link has nothing to recover', () => {
    expect(planRecovery(at({ state: 'new' }))).toEqual({ kind: 'done', state: 'new' });
  });
});
