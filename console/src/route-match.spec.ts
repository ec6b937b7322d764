import { describe, expect, it } from '@jest/globals';
import { matchRoute } from './route-match';

describe('matchRoute', () => {
  it('reads named segments and refuses other shapes', () => {
    expect(matchRoute('/contacts/:id', '/contacts/4f1c')).toEqual({ id: '4f1c' });
    expect(matchRoute('/contacts/:id', '/contacts/')).toBeNull();
    expect(matchRoute('/contacts', '/settings')).toBeNull();
    expect(matchRoute('/', '/')).toEqual({});
  });
});
