/**
 * The part of JSON Schema (draft 7) the chart schemas in config/chart-schemas/ and manifests/mesh/
 * use, applied to Helm value overrides: partial values merged over the chart's defaults. `required`
 * is left to Helm (the merged values have what the defaults give), and a null override removes the
 * key in Helm, so it is never wrong here.
 */
export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minProperties?: number;
}

/** The keywords the checker applies; a schema with any other constraint would be checked only in part. */
export const UNDERSTOOD_KEYWORDS: ReadonlySet<string> = new Set([
  ...["$ref", "type", "properties", "additionalProperties", "items", "enum", "pattern"],
  ...["minLength", "maxLength", "minimum", "maximum", "minProperties"],
  // Annotations and what `required` leaves to Helm.
  ...["$schema", "$defs", "definitions", "description", "title", "defaults", "required"],
]);

/** A key the schema does not allow (with the keys it knows there), or a value it refuses. */
export type SchemaViolation =
  | { readonly kind: "unknown key"; readonly path: readonly (string | number)[]; readonly knownKeys: readonly string[] }
  | {
      readonly kind: "invalid";
      readonly path: readonly (string | number)[];
      readonly value: unknown;
      readonly message: string;
    };

const invalid = (path: readonly (string | number)[], value: unknown, message: string): SchemaViolation => ({
  kind: "invalid",
  path,
  value,
  message,
});

/** Where `value` breaks `schema` (whose `$ref`s resolve within `root`). */
export function schemaViolations(
  value: unknown,
  schema: JsonSchema,
  root: JsonSchema = schema,
  path: readonly (string | number)[] = [],
): SchemaViolation[] {
  if (value === null) return [];
  const resolved = resolve(schema, root);
  const typeProblem = typeViolation(value, resolved, path);
  if (typeProblem) return [typeProblem];
  if (resolved.enum && !resolved.enum.some((allowed) => allowed === value)) {
    return [invalid(path, value, `must be one of ${resolved.enum.map((item) => JSON.stringify(item)).join(", ")}`)];
  }
  if (typeof value === "string") return stringViolations(value, resolved, path);
  if (typeof value === "number") return numberViolations(value, resolved, path);
  if (Array.isArray(value)) {
    const items = resolved.items;
    return items ? value.flatMap((item, index) => schemaViolations(item, items, root, [...path, index])) : [];
  }
  if (typeof value === "object") return objectViolations(value as Record<string, unknown>, resolved, root, path);
  return [];
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 16; hops++) {
    const pointer = current.$ref.replace(/^#\//, "").split("/");
    current = pointer.reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], root) as JsonSchema;
    if (!current) throw new Error(`chart schema reference ${schema.$ref} resolves to nothing`);
  }
  return current;
}

const JSON_TYPE_NAMES: Readonly<Record<string, string>> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  null: "null",
};

function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeViolation(value: unknown, schema: JsonSchema, path: readonly (string | number)[]) {
  if (schema.type === undefined) return undefined;
  const allowed = typeof schema.type === "string" ? [schema.type] : schema.type;
  const actual = jsonTypeOf(value);
  if (allowed.includes(actual) || (actual === "integer" && allowed.includes("number"))) return undefined;
  // Null always passes (it removes the key in Helm), so it is no advice.
  const names = allowed
    .filter((type) => type !== "null")
    .map((type) => JSON_TYPE_NAMES[type] ?? type)
    .join(" or ");
  return invalid(
    path,
    value,
    `must be ${names}, not ${actual === "number" ? "a fraction" : (JSON_TYPE_NAMES[actual] ?? actual)}`,
  );
}

function stringViolations(value: string, schema: JsonSchema, path: readonly (string | number)[]): SchemaViolation[] {
  const problems: SchemaViolation[] = [];
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value))
    problems.push(invalid(path, value, `must match ${schema.pattern}`));
  if (schema.minLength !== undefined && [...value].length < schema.minLength)
    problems.push(invalid(path, value, `must be at least ${schema.minLength} characters long`));
  if (schema.maxLength !== undefined && [...value].length > schema.maxLength)
    problems.push(invalid(path, value, `must be at most ${schema.maxLength} characters long`));
  return problems;
}

function numberViolations(value: number, schema: JsonSchema, path: readonly (string | number)[]): SchemaViolation[] {
  if (schema.minimum !== undefined && value < schema.minimum)
    return [invalid(path, value, `must be at least ${schema.minimum}`)];
  if (schema.maximum !== undefined && value > schema.maximum)
    return [invalid(path, value, `must be at most ${schema.maximum}`)];
  return [];
}

function objectViolations(
  value: Record<string, unknown>,
  schema: JsonSchema,
  root: JsonSchema,
  path: readonly (string | number)[],
): SchemaViolation[] {
  const properties = schema.properties ?? {};
  const problems: SchemaViolation[] = [];
  if (schema.minProperties !== undefined && Object.keys(value).length < schema.minProperties)
    problems.push(invalid(path, value, `must hold at least ${schema.minProperties} entries`));
  for (const [key, item] of Object.entries(value)) {
    const known = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (known) problems.push(...schemaViolations(item, known, root, [...path, key]));
    else if (schema.additionalProperties === false)
      problems.push({ kind: "unknown key", path: [...path, key], knownKeys: Object.keys(properties) });
    else if (typeof schema.additionalProperties === "object")
      problems.push(...schemaViolations(item, schema.additionalProperties, root, [...path, key]));
  }
  return problems;
}
