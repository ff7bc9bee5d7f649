import { describe, expect, it } from 'vitest';
import { domainEventSchemas } from '../../domain/event-catalog.ts';
import { secretEventTypes } from '../../domain/identity/events.ts';
import { integrationEventIdFor } from './event-id.ts';
import { privateDomainEvents, publishedDomainEventTypes, toIntegrationEvents } from './mapping.ts';
import { publishedSchema } from './published-versions.ts';
import { plantedSecrets, recordedSample, sampleDomainEvents } from './sample-domain-events.ts';
import { integrationEvents } from './topics.ts';
import { variantVersions } from './variant-versions.ts';

const samples = sampleDomainEvents('abc123');

describe('the domain → integration mapping', () => {
  it('maps every domain event type or lists it as private on purpose, never both', () => {
    const mapped = new Set(publishedDomainEventTypes);
    const unaccounted = Object.keys(domainEventSchemas).filter(
      (t) => !mapped.has(t) && !privateDomainEvents[t],
    );
    expect(unaccounted, 'add a mapper in mappers.ts or a reason in privateDomainEvents').toEqual([]);
    expect(publishedDomainEventTypes.filter((t) => privateDomainEvents[t] !== undefined)).toEqual([]);
  });

  it('fails for a new domain event type that is neither (the check above can fail)', () => {
    const withNew = [...Object.keys(domainEventSchemas), 'SomethingNew'];
    const mapped = new Set(publishedDomainEventTypes);
    expect(withNew.filter((t) => !mapped.has(t) && !privateDomainEvents[t])).toEqual(['SomethingNew']);
  });

  it('keeps secret event types private', () => {
    for (const type of secretEventTypes) {
      expect(publishedDomainEventTypes).not.toContain(type);
      expect(privateDomainEvents[type]).toBeTruthy();
    }
  });

  it('has a valid sample of every domain event type, which maps to schema-valid events', () => {
    const sampled = new Set(samples.map((s) => s.type));
    for (const type of [...Object.keys(domainEventSchemas), ...publishedDomainEventTypes]) {
      expect(sampled.has(type), `sample of ${type}`).toBe(true);
    }
    samples.forEach((sample, n) => {
      const schema = domainEventSchemas[sample.type];
      if (schema) expect(schema.safeParse(sample.data).error, sample.type).toBeUndefined();
      const out = toIntegrationEvents(recordedSample(sample, n));
      if (privateDomainEvents[sample.type]) expect(out).toEqual([]);
      else expect(out.length, sample.type).toBeGreaterThan(0);
      for (const [index, message] of out.entries()) {
        expect(integrationEvents[message.type].schema.safeParse(message.value).success).toBe(true);
        expect(message.value.event_id).toBe(
          integrationEventIdFor(
            `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
            message.type,
            index,
          ),
        );
        expect(message.key).toBe(sample.stream.slice(sample.stream.indexOf('-') + 1));
      }
    });
  });

  it('publishes every integration event type except the product view (emitted by the query API)', () => {
    const produced = new Set(
      samples.flatMap((s, n) => toIntegrationEvents(recordedSample(s, n)).map((m) => m.type)),
    );
    const missing = Object.keys(integrationEvents).filter((t) => !produced.has(t as never));
    expect(missing).toEqual(['ProductViewed']);
  });

  it('lets no email, name, phone, address, password hash or token out', () => {
    const text = JSON.stringify(samples.flatMap((s, n) => toIntegrationEvents(recordedSample(s, n))));
    for (const secret of [
      plantedSecrets.email,
      plantedSecrets.passwordHash,
      plantedSecrets.tokenHint,
      'Lovelace',
      '+441234567890',
      'Analytical St',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
  });

  it("lets no free text a person wrote out: a cancellation's reason stays with the order", () => {
    const index = samples.findIndex((s) => s.type === 'OrderCancelled');
    const typed = 'Call me on +44 7700 900123, Ada, 12 Analytical St';
    const sample = { ...samples[index]!, data: { ...samples[index]!.data, reason: typed } };
    const [message] = toIntegrationEvents(recordedSample(sample, index));
    expect(message!.value).not.toHaveProperty('reason');
    expect(message!.value.schema_version).toBe(2);
    expect(JSON.stringify(message)).not.toContain('Analytical');
    // Version 1 required the reason: a consumer of it refuses version 2 rather than read it without one.
    expect(publishedSchema('OrderCancelled', 1)!.safeParse(message!.value).success).toBe(false);
  });

  it('refuses a value the contract does not hold (strict schemas park the event instead)', () => {
    const bad = recordedSample({ ...samples[0]!, data: { ...samples[0]!.data, role: 'superuser' } }, 0);
    expect(() => toIntegrationEvents(bad)).toThrow();
  });

  it('gives every integration event of a domain event its own id', () => {
    const reserved = samples.findIndex((s) => s.type === 'StockReserved');
    const ids = toIntegrationEvents(recordedSample(samples[reserved]!, reserved)).map(
      (m) => m.value.event_id,
    );
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });

  it('gives the same ids for the same domain event (redelivery dedupes)', () => {
    const order = samples.findIndex((s) => s.type === 'OrderPlaced');
    const a = toIntegrationEvents(recordedSample(samples[order]!, order));
    const b = toIntegrationEvents(recordedSample(samples[order]!, order));
    expect(a.map((m) => m.value.event_id)).toEqual(b.map((m) => m.value.event_id));
  });
});

describe('facts naming a product variant', () => {
  const variant = { variant_id: 'var_abc123', sku: 'LAMP-RED' };
  /** The sample as it would be for a variant: its lines, or the fact itself, name one. */
  const ofVariant = (sample: (typeof samples)[number]) => {
    const data = sample.data as { items?: Record<string, unknown>[] };
    if (data.items)
      return { ...sample, data: { ...data, items: data.items.map((i) => ({ ...i, ...variant })) } };
    // A stock fact names its variant only (its stream is the variant's); a cart line also its SKU.
    const named = sample.stream.startsWith('stock-') ? { variant_id: variant.variant_id } : variant;
    return { ...sample, data: { ...data, ...named } };
  };
  const withVariantVersion = samples
    .map((sample, n) => ({ sample, n }))
    .filter(({ sample, n }) =>
      toIntegrationEvents(recordedSample(sample, n)).some((m) => variantVersions[m.type]),
    );

  it("go at their type's next version, which the version before refuses; plain facts stay as they were", () => {
    expect(
      new Set(
        withVariantVersion.flatMap(({ sample, n }) =>
          toIntegrationEvents(recordedSample(sample, n)).map((m) => m.type),
        ),
      ),
    ).toEqual(new Set(Object.keys(variantVersions)));
    for (const { sample, n } of withVariantVersion) {
      const plain = toIntegrationEvents(recordedSample(sample, n));
      const named = toIntegrationEvents(recordedSample(ofVariant(sample), n));
      expect(named.map((m) => m.type)).toEqual(plain.map((m) => m.type));
      for (const [i, message] of named.entries()) {
        const { version } = variantVersions[message.type]!;
        const before = plain[i]!.value.schema_version;
        expect(before, message.type).toBeLessThan(version);
        expect(message.value.schema_version, message.type).toBe(version);
        expect(publishedSchema(message.type, version)?.safeParse(message.value).error).toBeUndefined();
        const asBefore = { ...message.value, schema_version: before };
        expect(publishedSchema(message.type, before)?.safeParse(asBefore).success, message.type).toBe(false);
        expect(JSON.stringify(plain[i]!.value), message.type).not.toContain('var_');
      }
    }
  });
});
