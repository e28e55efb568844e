import { isMapping } from "../mapping";
import type { ConfigProblem } from "../problems";
import { formatPath } from "../problems";

/**
 * Helm values this program sets that hold the mesh together: overriding one in helmValues would
 * split the mesh silently (istiod on another mesh or network, an east-west gateway nobody's
 * Gateway selects). Each names what owns it, which is what the user should change instead.
 */
export const MESH_INVARIANTS: readonly {
  readonly release: string;
  readonly path: readonly string[];
  readonly owner: string;
}[] = [
  { release: "istiod", path: ["global", "meshID"], owner: "set by meshId" },
  { release: "istiod", path: ["global", "multiCluster", "clusterName"], owner: "set by clusters[].name" },
  { release: "istiod", path: ["global", "network"], owner: "set by clusters[].network" },
  { release: "istiod", path: ["global", "tag"], owner: "set by istio.version (and istio.revisions)" },
  { release: "istiod", path: ["revision"], owner: "set by istio.revisions" },
  { release: "istiod", path: ["revisionTags"], owner: "set by istio.revisions[].tags" },
  { release: "eastWestGateway", path: ["networkGateway"], owner: "set by clusters[].network" },
  {
    release: "eastWestGateway",
    path: ["networkGatewayPorts"],
    owner: "set by this program: other networks reach the cross-network port 15443 by its name",
  },
  {
    release: "eastWestGateway",
    path: ["labels", "istio"],
    owner: 'set by this program: the cross-network Gateway selects the pods labelled istio: "eastwestgateway"',
  },
  {
    release: "eastWestGateway",
    path: ["labels", "topology.istio.io/network"],
    owner: "set by clusters[].network (the chart labels the gateway from networkGateway)",
  },
  {
    release: "eastWestGateway",
    path: ["service", "type"],
    owner: "set by this program: other networks reach the gateway through its LoadBalancer Service's NLB",
  },
  { release: "eastWestGateway", path: ["revision"], owner: "set by istio.gatewayTag" },
  {
    release: "ingressGateway",
    path: ["labels", "istio"],
    owner: 'set by this program: the ingress Gateways select the pods labelled istio: "ingressgateway"',
  },
  { release: "ingressGateway", path: ["revision"], owner: "set by istio.gatewayTag" },
  {
    release: "meshManifests",
    path: ["crossNetworkGateway"],
    owner: "set by this program: the cross-network Gateway every other network sends traffic to",
  },
  { release: "meshManifests", path: ["ingress", "certificateArn"], owner: "set by clusters[].ingress.certificateArn" },
];

/**
 * Keys a chart never reads: Helm takes them without a word and nothing changes. Istio's istiod
 * chart has taken its values at the top level since the old operator's `pilot` section went away
 * (no template of 1.30 or 1.31 reads `.Values.pilot`).
 */
const IGNORED_KEYS: readonly { readonly release: string; readonly key: string; readonly fix: string }[] = [
  {
    release: "istiod",
    key: "pilot",
    fix: "is ignored by Istio's istiod chart, which takes its values at the top level: move what is under pilot up one level (pilot.resources becomes resources)",
  },
];

/** What cdktf replaces in synthesized strings: its token markers `${TfToken[`, `#{TfToken[`, `&{TfToken[`. */
const TOKEN_MARKER = /[$#&]\{TfToken\[/;

/**
 * Problems of the Helm overrides at both levels (mesh-wide helmValues and each cluster's): a
 * value that belongs to the mesh, or a cdktf token marker, which synth would replace.
 */
export function helmValueProblems(raw: unknown): ConfigProblem[] {
  return helmValueLevels(raw).flatMap(({ path, values }) => [
    ...invariantProblems(values, path),
    ...ignoredKeyProblems(values, path),
    ...tokenMarkerProblems(values, path),
  ]);
}

/** The Helm overrides of the raw config at both levels: mesh-wide, then each cluster's. */
export function helmValueLevels(raw: unknown): { path: (string | number)[]; values: unknown }[] {
  if (!isMapping(raw)) return [];
  const levels: { path: (string | number)[]; values: unknown }[] = [{ path: ["helmValues"], values: raw.helmValues }];
  if (Array.isArray(raw.clusters)) {
    raw.clusters.forEach((cluster, index) => {
      if (isMapping(cluster)) levels.push({ path: ["clusters", index, "helmValues"], values: cluster.helmValues });
    });
  }
  return levels;
}

function ignoredKeyProblems(overrides: unknown, levelPath: readonly (string | number)[]): ConfigProblem[] {
  if (!isMapping(overrides)) return [];
  return IGNORED_KEYS.flatMap(({ release, key, fix }) => {
    const values = overrides[release];
    if (!isMapping(values) || !Object.hasOwn(values, key)) return [];
    return [{ path: formatPath([...levelPath, release, key]), value: values[key], message: fix }];
  });
}

function invariantProblems(overrides: unknown, levelPath: readonly (string | number)[]): ConfigProblem[] {
  if (!isMapping(overrides)) return [];
  const problems = new Map<string, ConfigProblem>();
  for (const invariant of MESH_INVARIANTS) {
    // A release's values that are not a mapping are the schema's to report.
    let value: unknown = overrides[invariant.release];
    if (!isMapping(value)) continue;
    const path: string[] = [invariant.release];
    for (const segment of invariant.path) {
      // A scalar or list on the way replaces the whole mapping holding the value: one problem for it.
      if (!isMapping(value) || !(segment in value)) break;
      value = value[segment];
      path.push(segment);
    }
    const reached = path.length - 1 === invariant.path.length;
    if (!reached && (isMapping(value) || path.length === 1)) continue;
    const found = problem(levelPath, path, value, invariant);
    if (!problems.has(found.path)) problems.set(found.path, found);
  }
  return [...problems.values()];
}

function problem(
  levelPath: readonly (string | number)[],
  path: readonly string[],
  value: unknown,
  invariant: (typeof MESH_INVARIANTS)[number],
): ConfigProblem {
  const full = `${invariant.release}.${invariant.path.join(".")}`;
  const what = path.length - 1 === invariant.path.length ? "is" : `replaces ${full}, which is`;
  return {
    path: formatPath([...levelPath, ...path]),
    value,
    message: `${what} ${invariant.owner}; overriding it would split the mesh: remove it from helmValues`,
  };
}

function tokenMarkerProblems(values: unknown, levelPath: readonly (string | number)[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: values, path: [...levelPath] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === "string" && TOKEN_MARKER.test(value)) {
      problems.push({
        path: formatPath(path),
        value,
        message:
          'holds "TfToken[" after "${", "#{" or "&{", which synth would replace with a Terraform reference: change the text',
      });
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: [...path, index] }));
    } else if (isMapping(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (TOKEN_MARKER.test(key)) {
          problems.push({
            path: formatPath([...path, key]),
            message: 'is a key holding "TfToken[" after "${", "#{" or "&{", which synth would replace: rename it',
          });
        }
        stack.push({ value: item, path: [...path, key] });
      }
    }
  }
  return problems;
}
