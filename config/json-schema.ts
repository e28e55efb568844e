import { z } from "zod";
import { MeshConfigSchema } from "./schema";

/** The parts of a JSON Schema node this project reads back (for the reference table and tests). */
export interface JsonSchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly additionalProperties?: boolean | JsonSchemaNode;
  readonly items?: JsonSchemaNode;
  readonly [keyword: string]: unknown;
}

/**
 * The JSON Schema of the mesh config file, generated from the zod schema so editors check the same
 * rules as `cdktf synth`. Draft 7, the newest draft yaml-language-server fully supports. Input
 * mode: fields with defaults are optional, as a user writes them.
 */
export function meshConfigJsonSchema(): JsonSchemaNode {
  const generated = z.toJSONSchema(MeshConfigSchema, { target: "draft-7", io: "input" }) as JsonSchemaNode;
  const { $schema, ...rest } = generated;
  return { $schema, title: "Istio multi-cluster EKS mesh config", ...rest };
}

/** The schema as committed in examples/mesh-config.schema.json: pretty, with a final newline. */
export function meshConfigJsonSchemaText(): string {
  return `${JSON.stringify(meshConfigJsonSchema(), null, 2)}\n`;
}

/** One row per field of the config: path, type, default and rule, as a Markdown table for the README. */
export function configReferenceMarkdown(schema: JsonSchemaNode = meshConfigJsonSchema()): string {
  const rows = fieldRows(schema, "", []).map((row) => `| ${row.map(escapeCell).join(" | ")} |`);
  return ["| Field | Type | Default | Rule |", "| --- | --- | --- | --- |", ...rows].join("\n") + "\n";
}

function fieldRows(node: JsonSchemaNode, path: string, rows: string[][]): string[][] {
  for (const [key, field] of Object.entries(node.properties ?? {})) {
    if (key === "$schema") continue;
    const fieldPath = path ? `${path}.${key}` : key;
    const required = node.required?.includes(key) ?? false;
    rows.push([`\`${fieldPath}\``, typeOf(field), defaultOf(field, required), ruleOf(field)]);
    if (field.properties && !isFreeForm(field)) fieldRows(field, fieldPath, rows);
    if (field.items?.properties) fieldRows(field.items, `${fieldPath}[]`, rows);
  }
  return rows;
}

function typeOf(field: JsonSchemaNode): string {
  if (field.enum) return "enum";
  if (field.type === "array") return `list of ${typeOf(field.items ?? {})}`;
  if (field.type === "object") return "mapping";
  return field.type ?? "any";
}

function defaultOf(field: JsonSchemaNode, required: boolean): string {
  if (required) return "required";
  if (field.default === undefined) return "optional";
  if (field.properties && !isFreeForm(field)) return "see its fields";
  return `\`${JSON.stringify(field.default)}\``;
}

function ruleOf(field: JsonSchemaNode): string {
  const items = field.items ?? {};
  const enumValues = field.enum ?? items.enum;
  const rules = [
    field.description,
    !items.properties && items.description,
    field.properties && isFreeForm(field) && `keys: ${Object.keys(field.properties).join(", ")}`,
    enumValues &&
      enumValues.length <= MAX_LISTED_ENUM_VALUES &&
      `one of ${enumValues.map((value) => `\`${String(value)}\``).join(", ")}`,
    field.minimum !== undefined && `at least ${field.minimum}`,
    field.maximum !== undefined && `at most ${field.maximum}`,
    field.minItems !== undefined && `at least ${field.minItems} item(s)`,
    field.minLength !== undefined && `not empty`,
    field.maxLength !== undefined && `at most ${field.maxLength} characters`,
    (field.pattern ?? items.pattern) && `matches \`${field.pattern ?? items.pattern}\``,
  ];
  return rules
    .filter((rule): rule is string => typeof rule === "string")
    .map((rule) => rule.replace(/\.$/, ""))
    .join("; ");
}

/** Longer enums (the region list) are left to the JSON Schema and the error message. */
const MAX_LISTED_ENUM_VALUES = 8;

/** Helm values are free-form below the release key: the table names the release keys, not their contents. */
function isFreeForm(field: JsonSchemaNode): boolean {
  return Object.values(field.properties ?? {}).every((property) => property.type === "object" && !property.properties);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
