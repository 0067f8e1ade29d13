import { describe, expect, it } from 'vitest';
import { type DomainInput, defineDomain } from './domain.js';
import { isMeshError } from './errors.js';

const owner = { team: 'product-data', email: 'product-data@retail.example', supportChannel: '#product-data' };

describe('defineDomain', () => {
  it('returns a frozen domain', () => {
    const domain = defineDomain({ name: 'product', description: 'What we sell.', owner });
    expect(domain).toEqual({ kind: 'domain', name: 'product', description: 'What we sell.', owner });
    expect(Object.isFrozen(domain)).toBe(true);
  });

  it.each<[string, Partial<DomainInput>, string]>([
    ['a name that is not snake_case', { name: 'Product' }, 'name: lower snake_case'],
    ['an empty description', { description: '' }, 'description:'],
    ['an owner without a valid email', { owner: { team: 'x', email: 'not-an-email' } }, 'owner.email:'],
    ['documentation that is not a URL', { documentation: 'see wiki' }, 'documentation:'],
  ])('rejects %s as invalid-domain', (_label, change, issue) => {
    let caught: unknown;
    try {
      defineDomain({ name: 'product', description: 'What we sell.', owner, ...change });
    } catch (error) {
      caught = error;
    }
    expect(isMeshError(caught)).toBe(true);
    expect(caught).toMatchObject({
      kind: 'definition',
      code: 'invalid-domain',
      subject: { domain: change.name ?? 'product' },
    });
    expect((caught as Error).message).toContain(issue);
  });
});
