import * as path from "node:path";
import deepmerge from "deepmerge";
import { z } from "zod";
import { defaultNetworkName, helloworldVersion } from "./defaults";
import { DEFAULT_CONFIG_PATH } from "./project";
import { parseYaml } from "./parse-yaml";
import { readConfigText } from "./read-config";
import { isMapping } from "./mapping";
import { chartValueProblems } from "./rules/chart-values";
import { helmValueProblems } from "./rules/helm-values";
import { stateKeyProblems } from "./rules/s3-state";
import { parseIpv4Network, formatIpv4Network, subnetOf } from "./cidr";
import { ConfigError, ConfigProblem, formatPath } from "./problems";
import { ClusterConfig, HelmOverrides, MeshConfig, MeshConfigSchema } from "./schema";
import type { ClusterSpec, MeshSpec } from "./spec";
import { lifecycleProblems, retirementWarnings } from "./lifecycle-rules";
import { SalvagedMesh, configWarnings, crossFieldProblems } from "./validate";
import { tokenRotationProblems } from "./rules/token-rotation";
import { ISTIO_MINORS, istioMinorNumber, parseIstioVersion } from "./istio-versions";
import { intendedKey } from "./intended-key";
import { newestVersion, revisionProblems, toRevisionsSpec } from "./istio-revisions";

export interface LoadedMesh {
  readonly spec: MeshSpec;
  /** Advice to print; never blocks a synth. */
  readonly warnings: readonly string[];
}

/**
 * Reads, parses and validates a mesh config file. Throws ConfigError listing every problem at
 * once, each with its field path, value and fix.
 */
export function loadMeshConfig(configPath: string = DEFAULT_CONFIG_PATH, today = new Date()): LoadedMesh {
  const source = `MESH_CONFIG ${displayPath(configPath)}`;
  const raw = parseYaml(readConfigText(configPath, source), source);
  return validateMeshConfig(raw, source, today);
}

/** Validates already-parsed config data (a YAML document's contents). */
export function validateMeshConfig(raw: unknown, source: string, today = new Date()): LoadedMesh {
  const parsed = MeshConfigSchema.safeParse(raw);
  const salvaged = (salvage(MeshConfigSchema, raw) ?? {}) as SalvagedMesh;
  const problems = [
    ...(parsed.success
      ? []
      : withoutEchoesOfTypeErrors(parsed.error.issues).flatMap((issue) => problemsOf(issue, raw))),
    // Cross-field rules run on what the schema accepted, so a typo elsewhere does not hide an overlap.
    ...crossFieldProblems(salvaged),
    ...helmValueProblems(raw),
    ...chartValueProblems(raw, installedIstioMinor(salvaged)),
    ...stateKeyProblems(
      (salvaged as { state?: { s3?: { keyPrefix?: string } } }).state?.s3?.keyPrefix,
      (salvaged.clusters ?? []).map((cluster) => cluster?.name),
    ),
    // On the raw input: the defaults filled in by the schema would hide which fields were written.
    ...revisionProblems(valueAt(raw, ["istio"]), istioMinorNumber),
    ...lifecycleProblems(salvaged, today),
    ...tokenRotationProblems(valueAt(raw, ["istio"]), valueAt(raw, ["remoteSecrets", "tokenRotationDays"])),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(source, problems);
  return {
    spec: toMeshSpec(parsed.data),
    warnings: [...configWarnings(parsed.data, today), ...retirementWarnings(parsed.data)],
  };
}

/**
 * The issues worth a line each: zod also measures a value of the wrong type ("" has a length of
 * 0), so a string where a list belongs would be "not a list" and "empty" at once.
 */
function withoutEchoesOfTypeErrors(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const mistyped = new Set(
    issues.filter((issue) => issue.code === "invalid_type").map((issue) => formatPath(issue.path)),
  );
  return issues.filter((issue) => issue.code === "invalid_type" || !mistyped.has(formatPath(issue.path)));
}

/** The minor whose charts the gateways come from: the newest revision's, or istio.version's. */
function installedIstioMinor(config: SalvagedMesh): string | undefined {
  const istio = (config as { istio?: { version?: unknown; revisions?: unknown } }).istio;
  const revisions = Array.isArray(istio?.revisions) ? istio.revisions : undefined;
  const versions = (revisions ? revisions.map((revision) => revision?.version) : [istio?.version]).filter(
    (version): version is string => typeof version === "string" && isKnownIstioMinor(version),
  );
  return versions.length ? parseIstioVersion(newestVersion(versions))?.minor : undefined;
}

const isKnownIstioMinor = (version: string) => {
  const minor = parseIstioVersion(version)?.minor;
  return minor !== undefined && ISTIO_MINORS.includes(minor);
};

/** The path as the user would type it: relative inside the working directory, absolute outside. */
function displayPath(configPath: string): string {
  const relative = path.relative(process.cwd(), configPath);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : configPath;
}

/** Example lines for required fields, by path with list positions dropped: the fix for "missing". */
const REQUIRED_FIELD_EXAMPLES: Readonly<Record<string, string>> = {
  meshId: "meshId: mesh1",
  clusters: "clusters: with one entry per cluster (see examples/two-clusters.yaml)",
  apiAllowedCidrs: "apiAllowedCidrs: [203.0.113.0/24] with your office, VPN or CI egress ranges",
  "clusters[].name": "name: cluster1",
  "clusters[].region": "region: us-west-2",
  "clusters[].vpcCidr": "vpcCidr: 10.10.0.0/16 with a range no other cluster uses",
  "state.s3": "s3: with bucket and region, or remove state to keep local state",
  "state.s3.bucket": "bucket: my-terraform-state",
  "state.s3.region": "region: us-west-2",
  "istio.revisions[].name": "name: 1-31-1 (the version with dashes; default for the release istio.version installed)",
  "istio.revisions[].version": 'version: "1.31.1"',
};

/** The example line for a missing field; a cluster name is one no other cluster has. */
function requiredFieldExample(fieldPath: string, raw: unknown): string | undefined {
  const generic = fieldPath.replace(/\[\d+\]/g, "[]");
  if (generic !== "clusters[].name") return REQUIRED_FIELD_EXAMPLES[generic];
  const clusters = valueAt(raw, ["clusters"]);
  const taken = new Set(Array.isArray(clusters) ? clusters.map((cluster) => valueAt(cluster, ["name"])) : []);
  let number = 1;
  while (taken.has(`cluster${number}`)) number++;
  return `name: cluster${number}`;
}

/** Each YAML type, as named to a user, and how to write it: the fix for a wrong type. */
const YAML_TYPES: Readonly<Record<string, { readonly name: string; readonly fix: string }>> = {
  string: { name: "a string", fix: "put the value in quotes" },
  number: { name: "a number", fix: "write digits without quotes" },
  boolean: { name: "true or false", fix: "write true or false without quotes" },
  array: { name: "a list", fix: 'write one "- item" per line under the key, or [a, b]' },
  object: { name: "a mapping", fix: 'write "key: value" lines indented under it' },
  record: { name: "a mapping", fix: 'write "key: value" lines indented under it' },
};

function problemsOf(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
  const fieldPath = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(MeshConfigSchema, issue.path);
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: `is not a known setting${suggestion(key, known)}`,
    }));
  }
  const value = valueAt(raw, issue.path);
  if (value === undefined) {
    if (isMisspelledNearby(raw, issue.path)) return [];
    const example = requiredFieldExample(fieldPath, raw);
    const fix = example ? `add ${example}` : "add it (examples/every-field.yaml shows every field)";
    return [{ path: fieldPath, message: `is required but missing: ${fix}` }];
  }
  if (issue.code === "invalid_type" && !issue.message.startsWith("must")) {
    const expected = YAML_TYPES[issue.expected] ?? { name: `${article(issue.expected)} ${issue.expected}`, fix: "" };
    // A key with nothing after the colon reads as null in YAML.
    const hint = value === null ? "write a value after the colon, or remove the line" : expected.fix;
    const fix = hint ? `: ${hint}` : "";
    return [{ path: fieldPath, value, message: `must be ${expected.name}, not ${describeType(value)}${fix}` }];
  }
  return [{ path: fieldPath, value, message: issue.message }];
}

function suggestion(key: string, known: readonly string[]): string {
  const match = intendedKey(key, known);
  if (match) return `: did you mean "${match}"?`;
  return known.length ? `: known settings are ${known.join(", ")}` : "";
}

/** Whether a missing required key is already reported as a misspelled key next to it. */
function isMisspelledNearby(raw: unknown, fieldPath: readonly PropertyKey[]): boolean {
  const parent = valueAt(raw, fieldPath.slice(0, -1));
  if (!isMapping(parent)) return false;
  const known = knownKeysAt(MeshConfigSchema, fieldPath.slice(0, -1));
  const missing = fieldPath[fieldPath.length - 1];
  return Object.keys(parent).some((key) => !known.includes(key) && intendedKey(key, known) === missing);
}

/** Walks the schema along a data path to list the keys an object there accepts. */
function knownKeysAt(schema: z.ZodType, dataPath: readonly PropertyKey[]): string[] {
  let current: z.ZodType = schema;
  for (const segment of [...dataPath, undefined]) {
    current = unwrap(current);
    if (segment === undefined) break;
    if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodObject) current = current.shape[segment as string] as z.ZodType;
    else return [];
    if (!current) return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape).filter((key) => key !== "$schema") : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  return current;
}

/**
 * The parts of `value` that `schema` accepts, field by field, with defaults filled in. A field the
 * schema rejects stays as a key with the value undefined, so rules can tell "wrong" from "absent".
 */
function salvage(schema: z.ZodType, value: unknown): unknown {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject && isMapping(value)) {
    const entries = Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, field]) => {
      if (key in value) return [[key, salvage(field, value[key])]];
      const fallback = field.safeParse(undefined);
      return fallback.success && fallback.data !== undefined ? [[key, fallback.data]] : [];
    });
    return Object.fromEntries(entries);
  }
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    return value.map((item) => salvage(inner.element as z.ZodType, item));
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function valueAt(data: unknown, dataPath: readonly PropertyKey[]): unknown {
  return dataPath.reduce<unknown>(
    (value, segment) =>
      value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[segment] : undefined,
    data,
  );
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${article(typeof value)} ${typeof value}`;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

function toMeshSpec(config: MeshConfig): MeshSpec {
  return {
    meshId: config.meshId,
    clusters: config.clusters.map((cluster) => toClusterSpec(cluster, config.helmValues as HelmOverrides)),
    apiAllowedCidrs: config.apiAllowedCidrs,
    admins: config.admins,
    ...istioSpec(config.istio),
    caDirectory: config.certificateAuthority.directory,
    state: config.state?.s3,
    samples: config.samples,
    readerTokenRotationDays: config.remoteSecrets.tokenRotationDays,
  };
}

function istioSpec(istio: MeshConfig["istio"]): Pick<MeshSpec, "istioVersion" | "istioRevisions"> {
  if (!istio.revisions) return { istioVersion: istio.version };
  const istioRevisions = toRevisionsSpec({ ...istio, revisions: istio.revisions });
  return { istioVersion: newestVersion(istioRevisions.revisions.map((revision) => revision.version)), istioRevisions };
}

/** Private subnets take one eighth of the VPC each; the public ones share the last eighth. */
const SUBNET_SLICE_BITS = 3;
const PUBLIC_SLICE = 2 ** SUBNET_SLICE_BITS - 1;

function toClusterSpec(cluster: ClusterConfig, meshHelmValues: HelmOverrides): ClusterSpec {
  const vpc = parseIpv4Network(cluster.vpcCidr);
  const zones = Array.from({ length: cluster.availabilityZones }, (_, zone) => zone);
  const publicSlice = subnetOf(vpc, SUBNET_SLICE_BITS, PUBLIC_SLICE);
  return {
    name: cluster.name,
    region: cluster.region,
    network: cluster.network ?? defaultNetworkName(cluster.name),
    kubernetesVersion: cluster.kubernetesVersion,
    vpcCidr: cluster.vpcCidr,
    privateSubnetCidrs: zones.map((zone) => formatIpv4Network(subnetOf(vpc, SUBNET_SLICE_BITS, zone))),
    publicSubnetCidrs: zones.map((zone) => formatIpv4Network(subnetOf(publicSlice, SUBNET_SLICE_BITS, zone))),
    natGateways: cluster.natGateways,
    nodes: cluster.nodes,
    ingressCertificateArn: cluster.ingress.certificateArn,
    helloworldVersion: helloworldVersion(cluster.name),
    ingressPlainHttp: cluster.ingress.plainHttp,
    kubeContext: cluster.kubeContext ?? cluster.name,
    helmValues: deepmerge(meshHelmValues, cluster.helmValues as HelmOverrides, { arrayMerge: (_, source) => source }),
    addonVersions: Object.fromEntries(
      Object.entries(cluster.addonVersions).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    retiring: cluster.retire,
  };
}
