import { SERVICE_WINDOW_MS, serviceWindowOpen } from './service-window';

describe('customer-service window', () => {
  const wrote = new Date('2030-01-01T10:00:00Z');

  it('is open for 24 h after the customer last wrote, and closed at 24 h or when they never wrote', () => {
    expect(serviceWindowOpen(wrote, wrote.getTime())).toBe(true);
    expect(serviceWindowOpen(wrote, wrote.getTime() + SERVICE_WINDOW_MS - 1)).toBe(true);
    expect(serviceWindowOpen(wrote, wrote.getTime() + SERVICE_WINDOW_MS)).toBe(false);
    expect(serviceWindowOpen(null, wrote.getTime())).toBe(false);
  });
});
