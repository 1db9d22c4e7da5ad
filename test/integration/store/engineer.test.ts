import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStore, type TestStore } from '../../support/dynamo.js';

describe('the responsible engineer of a target', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await startTestStore();
  });
  afterAll(() => t.close());

  it('is whoever claimed it first; later claims get that person back', async () => {
    expect(await t.store.engineerOf('acme/calc', 7)).toBeUndefined();
    const claims = await Promise.all(
      ['alice', 'bob', 'carol'].map((login) => t.store.claimEngineer('Acme/Calc', 7, login)),
    );
    expect(new Set(claims).size).toBe(1);
    expect(await t.store.engineerOf('acme/calc', 7)).toBe(claims[0]);
    expect(await t.store.claimEngineer('acme/calc', 8, 'dave')).toBe('dave');
  });
});
