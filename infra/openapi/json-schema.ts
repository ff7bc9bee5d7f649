import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;
export type Components = Record<string, JsonSchema>;

/**
 * A zod schema as JSON Schema 2020-12 (what OpenAPI 3.1 uses), as the client sends it (`io: input`,
 * so coercions and transforms show their input). zod's own converter is used because it handles
 * recursive schemas (JSON-valued fields such as product specifications), which zod-to-openapi 9 does not.
 */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
}

/**
 * Moves a schema into `components.schemas[name]` and returns a `$ref` to it. zod writes recursion
 * as refs relative to the schema's own root (`#`, `#/$defs/x`), which inside an OpenAPI document
 * would point at the document; they are rewritten to point at the component.
 */
export function asComponent(schema: JsonSchema, name: string, components: Components): JsonSchema {
  const { $defs, $schema: _dialect, ...root } = schema as { $defs?: Components; $schema?: string };
  const target = (ref: string) =>
    ref === '#'
      ? `#/components/schemas/${name}`
      : ref.startsWith('#/$defs/')
        ? `#/components/schemas/${name}_${ref.slice('#/$defs/'.length)}`
        : ref;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        key,
        key === '$ref' && typeof value === 'string' ? target(value) : rewrite(value),
      ]),
    );
  };
  for (const [key, definition] of Object.entries($defs ?? {})) {
    components[`${name}_${key}`] = rewrite(definition) as JsonSchema;
  }
  components[name] = rewrite(root) as JsonSchema;
  return { $ref: `#/components/schemas/${name}` };
}

/** The properties of an object schema as OpenAPI parameters (`in: path` or `in: query`). */
export function parametersOf(schema: JsonSchema, where: 'path' | 'query'): JsonSchema[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}
