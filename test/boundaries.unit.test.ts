import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { domainViolations, folderViolations, importCycles, queryApiViolations } from './boundaries.ts';

const root = resolve(import.meta.dirname, '..');

describe('boundaries', () => {
  it('domain/ imports nothing outside itself but zod, and is pure', () => {
    expect(domainViolations(root)).toEqual([]);
  });

  it('query-api/ never imports the command side', () => {
    expect(queryApiViolations(root)).toEqual([]);
  });

  it('every folder imports only the folders the architecture allows it', () => {
    expect(folderViolations(root)).toEqual([]);
  });

  it('no file imports itself back, through any number of others (type imports included)', () => {
    expect(importCycles(root)).toEqual([]);
  });

  // The checks above must be able to fail: plant violations in a scratch tree and see them caught.
  it('catches planted violations', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'boundaries-'));
    for (const dir of ['domain/cart', 'infra', 'query-api', 'command-api', 'projections', 'process-manager'])
      mkdirSync(join(scratch, dir), { recursive: true });
    writeFileSync(
      join(scratch, 'domain/cart/cart.ts'),
      "import { z } from 'zod';\nimport pg from 'pg';\nimport { config } from '../../infra/config.ts';\nimport { x } from '../shared/x.ts';\nexport const now = () => Date.now();\n",
    );
    writeFileSync(
      join(scratch, 'query-api/app.ts'),
      "import { handle } from '../command-api/handler.ts';\nimport { y } from '../infra/y.ts';\n",
    );
    const domain = domainViolations(scratch);
    expect(domain.map((v) => v.text)).toEqual([
      'pg',
      '../../infra/config.ts',
      'export const now = () => Date.now();',
    ]);
    expect(queryApiViolations(scratch).map((v) => v.text)).toEqual(['../command-api/handler.ts']);
    writeFileSync(join(scratch, 'infra/uses-app.ts'), "import { app } from '../query-api/app.ts';\n");
    writeFileSync(
      join(scratch, 'infra/uses-app.int.test.ts'),
      "import { app } from '../command-api/app.ts';\n",
    );
    expect(
      folderViolations(scratch)
        .map((v) => `${v.file}:${v.text}`)
        .sort(),
    ).toEqual(
      [
        'domain/cart/cart.ts:../../infra/config.ts',
        'infra/uses-app.ts:../query-api/app.ts',
        'query-api/app.ts:../command-api/handler.ts',
      ].sort(),
    );
  });

  // One planted file per rule of the layer table: each allowed edge passes, each forbidden one is caught.
  it('catches a planted violation of each layer rule, and lets the allowed edges through', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'layers-'));
    // A specifier written `type:...` is planted as `import type`.
    const plant = (file: string, ...specifiers: string[]) => {
      mkdirSync(join(scratch, file, '..'), { recursive: true });
      writeFileSync(
        join(scratch, file),
        specifiers
          .map((s, i) =>
            s.startsWith('type:')
              ? `import type { X${i} } from '${s.slice(5)}';\n`
              : `import { x${i} } from '${s}';\n`,
          )
          .join(''),
      );
    };
    plant('domain/cart/cart.ts', '../shared/ids.ts', '../../application/commands/metadata.ts');
    plant(
      'application/checkout/place-order.ts',
      '../../domain/cart/cart.ts',
      '../../infra/eventstore/port.ts',
      '../commands/command-handler.ts',
      '../../process-manager/timers/claim-loop.ts',
      '../../command-api/context.ts',
    );
    plant(
      'infra/telemetry/traced.ts',
      '../../domain/shared/errors.ts',
      '../../application/commands/handler.ts',
    );
    plant('infra/http/server.ts', '../../command-api/app.ts');
    plant(
      'command-api/routes/checkout.ts',
      '../../application/checkout/place-order.ts',
      '../../infra/http/server.ts',
      '../../process-manager/checkout/steps.ts',
      '../../query-api/app.ts',
      '../../bin/start.ts',
    );
    plant(
      'process-manager/start.ts',
      '../application/checkout/services.ts',
      '../application/projection-runner/runner.ts',
      '../projections/service.ts',
      '../projections/cart/cart-projection.ts',
      '../command-api/app.ts',
    );
    plant('projections/start.ts', '../application/integration-events/index.ts', '../query-api/app.ts');
    plant(
      'query-api/app.ts',
      'type:../projections/orders/orders-projection.ts',
      '../projections/cart/cart-projection.ts',
      '../process-manager/start.ts',
    );
    plant(
      'bin/start.ts',
      '../command-api/app.ts',
      '../process-manager/start.ts',
      '../test/support/isolation.ts',
    );
    plant('application/checkout/place-order.int.test.ts', '../../command-api/app.ts');
    expect(domainViolations(scratch).map((v) => v.text)).toEqual(['../../application/commands/metadata.ts']);
    expect(
      folderViolations(scratch)
        .map((v) => `${v.file}:${v.text}`)
        .sort(),
    ).toEqual(
      [
        'domain/cart/cart.ts:../../application/commands/metadata.ts',
        'application/checkout/place-order.ts:../../process-manager/timers/claim-loop.ts',
        'application/checkout/place-order.ts:../../command-api/context.ts',
        'infra/telemetry/traced.ts:../../application/commands/handler.ts',
        'infra/http/server.ts:../../command-api/app.ts',
        'command-api/routes/checkout.ts:../../process-manager/checkout/steps.ts',
        'command-api/routes/checkout.ts:../../query-api/app.ts',
        'command-api/routes/checkout.ts:../../bin/start.ts',
        'process-manager/start.ts:../projections/service.ts',
        'process-manager/start.ts:../projections/cart/cart-projection.ts',
        'process-manager/start.ts:../command-api/app.ts',
        'projections/start.ts:../query-api/app.ts',
        'query-api/app.ts:../projections/cart/cart-projection.ts',
        'query-api/app.ts:../process-manager/start.ts',
        'bin/start.ts:../test/support/isolation.ts',
      ].sort(),
    );
  });

  it('catches a planted import cycle, direct or through a third file and an index', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'cycles-'));
    mkdirSync(join(scratch, 'query-api/routes'), { recursive: true });
    mkdirSync(join(scratch, 'infra/kit'), { recursive: true });
    writeFileSync(join(scratch, 'query-api/app.ts'), "import { cart } from './routes/cart.ts';\n");
    writeFileSync(join(scratch, 'query-api/routes/cart.ts'), "import type { Ctx } from '../app.ts';\n");
    writeFileSync(join(scratch, 'infra/a.ts'), "import { b } from './kit';\n");
    writeFileSync(join(scratch, 'infra/kit/index.ts'), "export { b } from './b.ts';\n");
    writeFileSync(join(scratch, 'infra/kit/b.ts'), "import { a } from '../a.ts';\n");
    writeFileSync(join(scratch, 'infra/leaf.ts'), "import { a } from './a.ts';\n");
    expect(importCycles(scratch).sort()).toEqual(
      [
        ['infra/a.ts', 'infra/kit/b.ts', 'infra/kit/index.ts'],
        ['query-api/app.ts', 'query-api/routes/cart.ts'],
      ].sort(),
    );
  });
});
