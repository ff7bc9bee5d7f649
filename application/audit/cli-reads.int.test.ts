import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personalDataOf } from '../../infra/privacy/personal-data.ts';
import { createReadSideForTest, type ReadSideForTest } from '../../projections/test-support.ts';
import { runAudit } from './audit-command.ts';
import { order } from './test-fixtures.ts';

/**
 * `npm run audit -- stream | state` shows what the audit API shows (docs/audit.md, "The same from the
 * command line"): personal fields decrypted, an erased person's as "[erased]", old shapes upcast. The log
 * is written through the composed store, as every role writes it; the CLI opens its own context from env.
 */
describe('audit CLI stream and state', () => {
  let side: ReadSideForTest;
  const ada = 'usr_cliada0000000001';
  const gone = 'usr_cligone000000001';
  const registered = (user: string, email: string, first: string) => ({
    id: crypto.randomUUID(),
    type: 'UserRegistered',
    data: {
      schema_version: 1,
      user_id: user,
      email,
      first_name: first,
      last_name: 'Lovelace',
      phone: '+441234567890',
      role: 'customer',
      registered_at: '2026-01-15T10:00:00.000Z',
    },
  });
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAudit(
      argv,
      { DATABASE_URL: side.database.url, LOG_LEVEL: 'silent' },
      { out: (t) => out.push(t), err: (t) => err.push(t) },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    side = await createReadSideForTest('audit_cli_reads');
    await side.store.appendToStream(`user-${ada}`, [registered(ada, 'ada@example.com', 'Ada')]);
    await side.store.appendToStream(`user-${gone}`, [registered(gone, 'gone@example.com', 'Grace')]);
    await personalDataOf(side.store).keys.destroy(gone);
    // OrderPlaced v1 (no discount, coupon or price steps), as written before the v2 upcaster existed.
    await side.store.appendToStream('order-ord_cliv1', [
      order.placed('ord_cliv1', 'prd_cli', 'rsv_cliv1', 1500),
    ]);
  });
  afterAll(async () => {
    await side?.close();
  });

  it('prints a stream with personal fields decrypted', async () => {
    const { code, out } = await run('stream', `user-${ada}`);
    expect(code).toBe(0);
    const line = JSON.parse(out);
    expect(line.data).toMatchObject({ email: 'ada@example.com', first_name: 'Ada', phone: '+441234567890' });
  });

  it("prints an erased person's fields as [erased], in the stream and in the state", async () => {
    const stream = await run('stream', `user-${gone}`);
    expect(stream.code).toBe(0);
    expect(JSON.parse(stream.out).data).toMatchObject({ email: '[erased]', first_name: '[erased]' });
    expect(stream.out).not.toContain('gone@example.com');
    const state = await run('state', 'user', gone);
    expect(state.code).toBe(0);
    expect(state.out).toContain('[erased]');
    expect(state.out).not.toContain('gone@example.com');
    expect(state.out).not.toContain('Grace');
  });

  it('folds the state from decrypted events', async () => {
    const { code, out } = await run('state', 'user', ada);
    expect(code).toBe(0);
    expect(out).toContain('ada@example.com');
    expect(out).toContain('"Ada"');
  });

  it('prints an old event shape upcast to the current one', async () => {
    const { code, out } = await run('stream', 'order-ord_cliv1');
    expect(code).toBe(0);
    const { data } = JSON.parse(out);
    expect(data.schema_version).toBe(2);
    expect(data).toMatchObject({ discount: 0, coupon: null });
    expect(data.items[0].steps).toEqual([{ step: 'base', label: 'List price', unit_price: 750 }]);
  });
});
