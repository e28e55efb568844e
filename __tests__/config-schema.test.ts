import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { AWS_COMMERCIAL_REGIONS } from "../config/aws-regions";
import {
  DEFAULT_AVAILABILITY_ZONES,
  DEFAULT_ISTIO_VERSION,
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_NODE_INSTANCE_TYPES,
  SUPPORTED_KUBERNETES_VERSIONS,
} from "../config/defaults";
import { JsonSchemaNode, configReferenceMarkdown, meshConfigJsonSchemaText } from "../config/json-schema";
import { loadMeshConfig, validateMeshConfig } from "../config/load";
import { PROJECT_DIR } from "./helpers/synth";

const EXAMPLES_DIR = path.join(PROJECT_DIR, "examples");
const SCHEMA_FILE = path.join(EXAMPLES_DIR, "mesh-config.schema.json");
const committedText = readFileSync(SCHEMA_FILE, "utf8");
const schema = JSON.parse(committedText) as JsonSchemaNode;
const examples = readdirSync(EXAMPLES_DIR).filter((name) => name.endsWith(".yaml"));

/**
 * The JSON Schema keywords the generated schema uses, checked the way an editor would. Enough to
 * catch an editor flagging a valid example, or accepting what synth rejects; not a general validator.
 */
function schemaErrors(node: JsonSchemaNode, value: unknown, at = "$"): string[] {
  const errors: string[] = [];
  const fail = (what: string) => errors.push(`${at}: ${what}`);
  const type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  if (node.type === "integer" ? !Number.isInteger(value) : node.type !== undefined && node.type !== type) {
    fail(`expected ${node.type}, got ${type}`);
    return errors;
  }
  if (node.enum && !node.enum.includes(value)) fail(`${JSON.stringify(value)} is not one of the enum`);
  if (typeof value === "string") {
    if (node.pattern && !new RegExp(node.pattern, "u").test(value)) fail(`does not match ${node.pattern}`);
    if (node.minLength !== undefined && value.length < node.minLength) fail("too short");
    if (node.maxLength !== undefined && value.length > node.maxLength) fail("too long");
  }
  if (typeof value === "number") {
    if (node.minimum !== undefined && value < node.minimum) fail("below minimum");
    if (node.maximum !== undefined && value > node.maximum) fail("above maximum");
  }
  if (Array.isArray(value)) {
    if (node.minItems !== undefined && value.length < node.minItems) fail("too few items");
    value.forEach((item, index) => errors.push(...schemaErrors(node.items ?? {}, item, `${at}[${index}]`)));
  }
  if (type === "object") {
    const record = value as Record<string, unknown>;
    for (const key of node.required ?? []) if (!(key in record)) fail(`missing ${key}`);
    for (const [key, item] of Object.entries(record)) {
      const property = node.properties?.[key];
      if (property) errors.push(...schemaErrors(property, item, `${at}.${key}`));
      else if (node.additionalProperties === false) fail(`unknown key ${key}`);
      else if (typeof node.additionalProperties === "object")
        errors.push(...schemaErrors(node.additionalProperties, item, `${at}.${key}`));
    }
  }
  return errors;
}

describe("examples/mesh-config.schema.json", () => {
  it("is what npm run schema generates from the zod schema today", () => {
    expect(committedText).toBe(meshConfigJsonSchemaText());
  });

  it("is draft 7, for yaml-language-server, and closed to unknown keys at every level", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    const objects: JsonSchemaNode[] = [];
    const collect = (node: JsonSchemaNode) => {
      if (node.properties) objects.push(node);
      Object.values(node.properties ?? {}).forEach(collect);
      if (node.items) collect(node.items);
    };
    collect(schema);
    expect(objects.length).toBeGreaterThan(6);
    for (const node of objects) expect(node.additionalProperties).toBe(false);
  });

  it("requires what synth requires", () => {
    const clusters = schema.properties!.clusters;
    expect(schema.required).toEqual(["meshId", "clusters", "apiAllowedCidrs"]);
    expect(clusters.minItems).toBe(1);
    expect(clusters.items!.required).toEqual(["name", "region", "vpcCidr"]);
    expect(schema.properties!.state.properties!.s3.required).toEqual(["bucket", "region"]);
  });

  it("lists the allowed values so editors can complete them", () => {
    const cluster = schema.properties!.clusters.items!.properties!;
    expect(cluster.kubernetesVersion.enum).toEqual([...SUPPORTED_KUBERNETES_VERSIONS]);
    expect(cluster.region.enum).toEqual([...AWS_COMMERCIAL_REGIONS]);
    expect(cluster.natGateways.enum).toEqual(["perZone", "single"]);
    expect(cluster.nodes.properties!.amiType.enum).toContain("AL2023_ARM_64_STANDARD");
    expect(schema.properties!.state.properties!.s3.properties!.region.enum).toEqual([...AWS_COMMERCIAL_REGIONS]);
  });

  it("documents the defaults synth applies", () => {
    const cluster = schema.properties!.clusters.items!.properties!;
    expect(cluster.kubernetesVersion.default).toBe(DEFAULT_KUBERNETES_VERSION);
    expect(cluster.availabilityZones.default).toBe(DEFAULT_AVAILABILITY_ZONES);
    expect(cluster.nodes.properties!.instanceTypes.default).toEqual(DEFAULT_NODE_INSTANCE_TYPES);
    expect(schema.properties!.istio.properties!.version.default).toBe(DEFAULT_ISTIO_VERSION);
  });

  it("describes every field", () => {
    const undocumented: string[] = [];
    const walk = (node: JsonSchemaNode, at: string) => {
      for (const [key, field] of Object.entries(node.properties ?? {})) {
        if (!field.description) undocumented.push(`${at}${key}`);
        walk(field, `${at}${key}.`);
        if (field.items) walk(field.items, `${at}${key}[].`);
      }
    };
    walk(schema, "");
    expect(undocumented).toEqual([]);
  });
});

describe.each(examples)("examples/%s", (name) => {
  const text = readFileSync(path.join(EXAMPLES_DIR, name), "utf8");

  it("names the schema for editors on its first line", () => {
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./mesh-config.schema.json");
  });

  it("passes both the zod schema and the JSON Schema", () => {
    expect(() => loadMeshConfig(path.join(EXAMPLES_DIR, name))).not.toThrow();
    expect(schemaErrors(schema, parse(text))).toEqual([]);
  });
});

describe("the JSON Schema and synth", () => {
  const valid = () => parse(readFileSync(path.join(EXAMPLES_DIR, "two-clusters.yaml"), "utf8"));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const BAD: readonly [string, (config: Record<string, any>) => void][] = [
    ["a misspelled key", (c) => (c.meshID = "x")],
    ["a misspelled nested key", (c) => (c.clusters[0].nodes = { minsize: 1 })],
    ["no clusters", (c) => (c.clusters = [])],
    ["an unquoted Kubernetes version", (c) => (c.clusters[0].kubernetesVersion = 1.3)],
    ["an unknown region", (c) => (c.clusters[0].region = "mars-1")],
    ["a name with capitals", (c) => (c.clusters[0].name = "Cluster1")],
    ["a missing vpcCidr", (c) => delete c.clusters[0].vpcCidr],
    ["one availability zone", (c) => (c.clusters[0].availabilityZones = 1)],
  ];

  it.each(BAD)("both reject %s", (_name, edit) => {
    const config = valid();
    edit(config);
    expect(schemaErrors(schema, config)).not.toEqual([]);
    expect(() => validateMeshConfig(config, "test")).toThrow("is not valid");
  });
});

describe("the config reference table", () => {
  it("has a row for every field, with its default", () => {
    const table = configReferenceMarkdown(schema);
    expect(table).toContain("| `clusters[].vpcCidr` | string | required |");
    expect(table).toContain(`| \`clusters[].kubernetesVersion\` | enum | \`"${DEFAULT_KUBERNETES_VERSION}"\` |`);
    expect(table).toContain("| `state.s3.keyPrefix` | string |");
    expect(table).not.toContain("`$schema`");
  });
});
