import type { ContactEraser } from './contact-eraser';
import { ContactErasers } from './contact-eraser';
import type { ContactErasureRepository } from './contact-erasure.repository';

const eraser = (name: string): ContactEraser => ({ name, erase: () => Promise.resolve(0) });
const core = { coreErasers: () => [eraser('messages'), eraser('calls')] } as unknown as ContactErasureRepository;

describe('ContactErasers', () => {
  it("runs the features' erasers first, in registration order, then the core ones", () => {
    const erasers = new ContactErasers(core);
    erasers.register(eraser('call_recordings'));
    erasers.register(eraser('funnel_runs'));
    expect(erasers.all().map((e) => e.name)).toEqual(['call_recordings', 'funnel_runs', 'messages', 'calls']);
  });

  it('refuses a second eraser under a name already taken, core names included', () => {
    const erasers = new ContactErasers(core);
    erasers.register(eraser('call_recordings'));
    expect(() => erasers.register(eraser('call_recordings'))).toThrow(/call_recordings is registered already/);
    expect(() => erasers.register(eraser('messages'))).toThrow(/messages is registered already/);
  });
});
