import { afterAll, beforeAll, describe } from 'vitest';
import { appendCases } from './contract/append-cases.ts';
import type { ContractFixture, ContractSetup } from './contract/fixture.ts';
import { readCases } from './contract/read-cases.ts';
import { subscriptionCases } from './contract/subscription-cases.ts';

export type { ContractFixture, ContractSetup } from './contract/fixture.ts';

/**
 * The one contract every EventStore adapter passes (ARCHITECTURE.md "Event store port"). Call it from an
 * adapter's `*.int.test.ts`; `setup` runs once for the suite, and every case works in streams of its own,
 * so one store serves them all.
 */
export function eventStoreContract(name: string, setup: ContractSetup) {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: ContractFixture | undefined;
    const current = () => {
      if (!fixture) throw new Error('contract fixture not set up');
      return fixture;
    };
    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });
    appendCases(current);
    readCases(current);
    subscriptionCases(current);
  });
}
