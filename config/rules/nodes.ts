import { COREDNS_REPLICAS, GATEWAY_MIN_REPLICAS, ISTIOD_MIN_REPLICAS } from "../../constructs/names";
import type { ConfigProblem } from "../problems";

/**
 * Nodes the mesh's replicated pods need: istiod, both gateways and coredns each run replicas under
 * a disruption budget that lets one go at a time, which only protects them when the replicas sit
 * on different nodes. With fewer nodes, losing or draining one takes every replica with it.
 */
export const MIN_MESH_NODES = Math.max(ISTIOD_MIN_REPLICAS, GATEWAY_MIN_REPLICAS, COREDNS_REPLICAS);

/** Memory istiod requests per pod: the istiod chart's default resources.requests.memory (2048Mi). */
export const ISTIOD_MEMORY_REQUEST_GIB = 2;
/** Memory a node keeps for the kubelet, the OS and its DaemonSets (VPC CNI, kube-proxy, pod identity agent), roughly. */
export const NODE_RESERVED_MEMORY_GIB = 1;

/** EC2 instance type sizes: nano to metal, with the metal-24xl style of newer families. */
const INSTANCE_TYPE =
  /^([a-z]+)(\d+)([a-z0-9]*(?:-[a-z0-9]+)?)\.(nano|micro|small|medium|large|xlarge|\d+xlarge|metal(?:-\d+xl)?)$/;

/**
 * Instance classes (the letters before the generation) this program knows, with their memory per
 * vCPU in GiB where it is fixed. Graviton (arm64) types carry a "g" among the attributes after the
 * generation (m7g, c7gn, r8gd, t4g, im4gn, is4gen); "a1" is the first Graviton. Every other type of
 * these classes is x86_64.
 */
const KNOWN_CLASSES: Readonly<Record<string, number | undefined>> = {
  a: 2,
  c: 2,
  m: 4,
  r: 8,
  t: undefined,
  x: 16,
  z: 8,
  i: undefined,
  im: undefined,
  is: undefined,
  d: undefined,
  g: undefined,
  p: undefined,
  inf: undefined,
  trn: undefined,
  hpc: undefined,
  u: undefined,
  f: undefined,
  vt: undefined,
  dl: undefined,
  h: undefined,
};

/** Memory of the burstable (t) sizes, in GiB. */
const BURSTABLE_MEMORY_GIB: Readonly<Record<string, number>> = { nano: 0.5, micro: 1, small: 2, medium: 4 };

export type Architecture = "x86_64" | "arm64";

interface InstanceType {
  readonly family: string;
  readonly architecture?: Architecture;
  /** Undefined where the family's memory is not in the table above. */
  readonly memoryGiB?: number;
}

export function describeInstanceType(type: string): InstanceType | "malformed" {
  const match = INSTANCE_TYPE.exec(type);
  if (!match) return "malformed";
  const [, kind, generation, attributes, size] = match;
  const family = `${kind}${generation}${attributes}`;
  if (!Object.hasOwn(KNOWN_CLASSES, kind)) return { family };
  const architecture: Architecture = kind === "a" || /g/.test(attributes) ? "arm64" : "x86_64";
  return { family, architecture, memoryGiB: memoryOf(kind, size) };
}

function memoryOf(kind: string, size: string): number | undefined {
  if (kind === "t") return BURSTABLE_MEMORY_GIB[size];
  const perVcpu = KNOWN_CLASSES[kind];
  const vcpus: Readonly<Record<string, number>> = { medium: 1, large: 2, xlarge: 4 };
  return perVcpu === undefined || vcpus[size] === undefined ? undefined : perVcpu * vcpus[size];
}

/** The architecture of an EKS AMI type. */
export function amiArchitecture(amiType: string): Architecture {
  return /ARM_64/.test(amiType) ? "arm64" : "x86_64";
}

interface NodesInput {
  readonly instanceTypes?: readonly (string | undefined)[];
  readonly desiredSize?: number;
  readonly maxSize?: number;
  readonly amiType?: string;
}

/** A node group that cannot run the mesh, or instance types that do not fit the AMI or each other. */
export function nodeProblems(nodes: NodesInput | undefined, path: string): ConfigProblem[] {
  if (!nodes) return [];
  const problems: ConfigProblem[] = [];
  const why = `istiod, both gateways and coredns each keep ${MIN_MESH_NODES} replicas on separate nodes`;
  if (nodes.desiredSize === 0) {
    problems.push({
      path: `${path}.nodes.desiredSize`,
      value: 0,
      message: `starts the cluster with no nodes, so nothing of the mesh can run: use at least ${MIN_MESH_NODES} (${why})`,
    });
  }
  if (nodes.maxSize !== undefined && nodes.maxSize < MIN_MESH_NODES) {
    problems.push({
      path: `${path}.nodes.maxSize`,
      value: nodes.maxSize,
      message: `is below the ${MIN_MESH_NODES} nodes the mesh needs (${why}, so a node can drain): raise it to at least ${MIN_MESH_NODES}`,
    });
  }
  problems.push(...instanceTypeProblems(nodes, `${path}.nodes`));
  return problems;
}

function instanceTypeProblems(nodes: NodesInput, path: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  const architectures = new Map<Architecture, string>();
  (nodes.instanceTypes ?? []).forEach((type, index) => {
    if (type === undefined) return;
    const at = `${path}.instanceTypes[${index}]`;
    const first = seen.get(type);
    if (first !== undefined) {
      problems.push({ path: at, value: type, message: `is listed already as instanceTypes[${first}]: remove one` });
      return;
    }
    seen.set(type, index);
    const described = describeInstanceType(type);
    if (described === "malformed") {
      problems.push({
        path: at,
        value: type,
        message: 'is not an EC2 instance type: write family and size, like "m7i.large", "c7g.2xlarge" or "m5.metal"',
      });
      return;
    }
    if (!described.architecture) return;
    const other = [...architectures.entries()].find(([architecture]) => architecture !== described.architecture);
    if (other) {
      problems.push({
        path: at,
        value: type,
        message: `is ${described.architecture} but ${other[1]} is ${other[0]}: one node group runs one AMI, so list types of one architecture`,
      });
    } else if (nodes.amiType && amiArchitecture(nodes.amiType) !== described.architecture) {
      const fitting = described.architecture === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
      problems.push({
        path: at,
        value: type,
        message: `is ${described.architecture}, but amiType ${nodes.amiType} is ${amiArchitecture(nodes.amiType)}: set amiType: ${fitting}, or pick a type of the AMI's architecture`,
      });
    }
    if (!architectures.has(described.architecture)) architectures.set(described.architecture, type);
  });
  return problems;
}

/** Advice about node groups: families whose architecture is unknown here, types too small for istiod, a single node. */
export function nodeWarnings(nodes: NodesInput, path: string): string[] {
  const warnings: string[] = [];
  if (nodes.desiredSize !== undefined && nodes.desiredSize > 0 && nodes.desiredSize < MIN_MESH_NODES) {
    warnings.push(
      `${path}.nodes.desiredSize ${nodes.desiredSize} puts every replica of istiod, the gateways and coredns on one node: losing it stops the mesh in this cluster; use at least ${MIN_MESH_NODES}`,
    );
  }
  const smallest = ISTIOD_MEMORY_REQUEST_GIB + NODE_RESERVED_MEMORY_GIB;
  (nodes.instanceTypes ?? []).forEach((type, index) => {
    if (type === undefined) return;
    const described = describeInstanceType(type);
    if (described === "malformed") return;
    const at = `${path}.nodes.instanceTypes[${index}] "${type}"`;
    if (!described.architecture) {
      warnings.push(
        `${at} is of a family (${described.family}) whose architecture this program does not know, so it cannot check it against amiType ${nodes.amiType}: make sure they match`,
      );
    } else if (described.memoryGiB !== undefined && described.memoryGiB < smallest) {
      warnings.push(
        `${at} has ${described.memoryGiB} GiB of memory: istiod alone requests ${ISTIOD_MEMORY_REQUEST_GIB} GiB and the node keeps about ${NODE_RESERVED_MEMORY_GIB} for itself, so istiod may never be scheduled; use a type with at least 4 GiB, such as m7i.large`,
      );
    }
  });
  return warnings;
}
