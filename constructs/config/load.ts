import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import deepmerge from "deepmerge";
import { closest, distance } from "fastest-levenshtein";
import { parseDocument } from "yaml";
import { z } from "zod";
import { defaultNetworkName } from "./defaults";
import { parseIpv4Network, formatIpv4Network, subnetOf } from "./cidr";
import { ConfigError, ConfigProblem, formatPath } from "./problems";
import { ClusterConfig, HelmOverrides, MeshConfig, MeshConfigSchema } from "./schema";
import type { ClusterSpec, MeshSpec } from "./spec";
import { configWarnings, crossFieldProblems } from "./validate";

/** The project's own directory: the default config and the CA directory are found relative to it. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** The built-in config used when MESH_CONFIG is unset. */
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_DIR, "examples", "two-clusters.yaml");

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
  const source = `MESH_CONFIG ${path.relative(process.cwd(), configPath) || configPath}`;
  const raw = parseYaml(readConfigText(configPath, source), source);
  return validateMeshConfig(raw, source, today);
}

/** Validates already-parsed config data (a YAML document's contents). */
export function validateMeshConfig(raw: unknown, source: string, today = new Date()): LoadedMesh {
  const parsed = MeshConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(source, parsed.error.issues.flatMap((issue) => problemsOf(issue, raw)));
  const problems = crossFieldProblems(parsed.data);
  if (problems.length) throw new ConfigError(source, problems);
  return { spec: toMeshSpec(parsed.data), warnings: configWarnings(parsed.data, today) };
}

function readConfigText(configPath: string, source: string): string {
  const fail = (message: string) => {
    throw new ConfigError(source, [{ path: "", message }]);
  };
  let text = "";
  try {
    if (statSync(configPath).isDirectory()) fail(`is a directory: point MESH_CONFIG at a YAML file such as examples/two-clusters.yaml`);
    text = readFileSync(configPath, "utf8");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") fail(`does not exist (${configPath}): set MESH_CONFIG to an existing YAML file such as examples/two-clusters.yaml`);
    fail(`cannot be read (${code ?? (error as Error).message}): check the path and its permissions`);
  }
  if (!text.trim()) fail("is empty: start from examples/two-clusters.yaml");
  return text;
}

function parseYaml(text: string, source: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length) {
    throw new ConfigError(
      source,
      document.errors.map((error) => {
        const position = error.linePos?.[0];
        const where = position ? `line ${position.line}, column ${position.col}` : "";
        return { path: where, message: `is not valid YAML: ${error.message.split("\n")[0]}` };
      }),
    );
  }
  const data = document.toJS();
  if (data === null || data === undefined) throw new ConfigError(source, [{ path: "", message: "holds no settings: start from examples/two-clusters.yaml" }]);
  return data;
}

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
  if (value === undefined) return [{ path: fieldPath, message: "is required but missing" }];
  if (issue.code === "invalid_type" && !issue.message.startsWith("must")) {
    return [{ path: fieldPath, value, message: `must be ${article(issue.expected)} ${issue.expected}, not ${describeType(value)}` }];
  }
  return [{ path: fieldPath, value, message: issue.message }];
}

function suggestion(key: string, known: readonly string[]): string {
  if (!known.length) return "";
  const match = known.find((candidate) => candidate.toLowerCase() === key.toLowerCase()) ?? closest(key, [...known]);
  const closeEnough = match.toLowerCase() === key.toLowerCase() || distance(key, match) <= Math.max(2, key.length / 3);
  return closeEnough ? `: did you mean "${match}"?` : `: known settings are ${known.join(", ")}`;
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

function valueAt(data: unknown, dataPath: readonly PropertyKey[]): unknown {
  return dataPath.reduce<unknown>(
    (value, segment) => (value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[segment] : undefined),
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
    istioVersion: config.istio.version,
    caDirectory: config.certificateAuthority.directory,
    state: config.state?.s3,
    samples: config.samples,
  };
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
    kubeContext: cluster.kubeContext ?? cluster.name,
    helmValues: deepmerge(meshHelmValues, cluster.helmValues as HelmOverrides, { arrayMerge: (_, source) => source }),
  };
}
