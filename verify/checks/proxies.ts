import { DATA_PLANE_MAX_MINOR_SKEW, istioMinorNumber } from "../../config/istio-versions";
import { DEFAULT_REVISION_NAME, INJECTION_LABEL, ISTIO_SYSTEM_NAMESPACE, REVISION_LABEL } from "../../constructs/names";
import type { KubeNamespace, KubePod } from "../cluster-client";
import { INJECT_OPT_OUT, SIDECAR_CONTAINER, SIDECAR_STATUS_ANNOTATION } from "../chart-names";
import type { ClusterUnderTest, MeshUnderTest } from "./check";
import type { ClusterCheck } from "./check";
import { kubectl, parseQuietly, readPath } from "./helpers";
import { imageVersion } from "./revisions";
import { fail, pass } from "./outcome";

/** The gateway pods of istio-system (the east-west gateway), whose namespace has no injection label. */
const EAST_WEST_POD_SELECTOR = "istio=eastwestgateway";

interface Finding {
  readonly problem: string;
  readonly hint: string;
}

/** The revision a namespace's label selects: a tag resolved through the config, or the revision itself. */
function targetOf(mesh: MeshUnderTest, namespace: KubeNamespace): string {
  const label = namespace.metadata?.labels?.[REVISION_LABEL];
  if (label === undefined) return DEFAULT_REVISION_NAME;
  return mesh.istioRevisions?.tags[label] ?? label;
}

/** The version of each revision's istiod, as configured. */
function controlPlaneVersions(mesh: MeshUnderTest): ReadonlyMap<string, string> {
  if (!mesh.istioRevisions) return new Map([[DEFAULT_REVISION_NAME, mesh.istioVersion]]);
  return new Map(mesh.istioRevisions.revisions.map((revision) => [revision.name, revision.version]));
}

const optedOut = (pod: KubePod) =>
  pod.metadata?.labels?.[INJECT_OPT_OUT] === "false" || pod.metadata?.annotations?.[INJECT_OPT_OUT] === "false";

/** What is wrong with one pod's proxy, or undefined. */
function podFinding(
  cluster: ClusterUnderTest,
  namespace: string,
  target: string,
  pod: KubePod,
  versions: ReadonlyMap<string, string>,
): { finding?: Finding; revision?: string } {
  const name = pod.metadata?.name ?? "?";
  const restart = `${kubectl(cluster)} -n ${namespace} rollout restart deployment`;
  const proxy = pod.spec?.containers?.find((container) => container.name === SIDECAR_CONTAINER);
  if (!proxy) {
    if (optedOut(pod) || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return {};
    return {
      finding: { problem: `${namespace}/${name} has no sidecar`, hint: `re-create it with injection on: ${restart}` },
    };
  }
  const status = parseQuietly(pod.metadata?.annotations?.[SIDECAR_STATUS_ANNOTATION] ?? "", JSON.parse);
  const revision = (readPath(status, ["revision"]) as string | undefined) || DEFAULT_REVISION_NAME;
  const controlPlane = versions.get(revision);
  if (!controlPlane) {
    return {
      revision,
      finding: {
        problem: `${namespace}/${name} was injected by revision ${revision}, which the config no longer has`,
        hint: restart,
      },
    };
  }
  const proxyMinor = istioMinorNumber(imageVersion(proxy.image) ?? "");
  const planeMinor = istioMinorNumber(controlPlane)!;
  if (proxyMinor !== undefined && (proxyMinor > planeMinor || planeMinor - proxyMinor > DATA_PLANE_MAX_MINOR_SKEW)) {
    return {
      revision,
      finding: {
        problem: `${namespace}/${name} runs proxy ${imageVersion(proxy.image)} against revision ${revision} (${controlPlane}), outside Istio's skew (a proxy at most ${DATA_PLANE_MAX_MINOR_SKEW} minor behind its control plane, never ahead)`,
        hint: restart,
      },
    };
  }
  if (revision !== target) {
    return {
      revision,
      finding: {
        problem: `${namespace}/${name} runs revision ${revision}, its namespace now selects ${target}`,
        hint: restart,
      },
    };
  }
  return { revision };
}

/**
 * Which revision every injected namespace (labelled istio-injection=enabled or istio.io/rev) and
 * the east-west gateway run, from the revision each pod's injector recorded in its
 * sidecar.istio.io/status annotation; pods left on an older revision than their namespace now
 * selects, pods with no sidecar in an injected namespace, and proxies outside Istio's
 * control-plane/data-plane skew fail.
 */
export const proxies: ClusterCheck = {
  kind: "cluster",
  name: "proxies",
  async run(cluster, client, { mesh }) {
    const versions = controlPlaneVersions(mesh);
    const labelled = [
      ...(await client.listNamespaces(`${INJECTION_LABEL}=enabled`)),
      ...(await client.listNamespaces(REVISION_LABEL)),
    ];
    const namespaces = [...new Map(labelled.map((ns) => [ns.metadata?.name ?? "", ns])).values()];
    const groups = await Promise.all([
      ...namespaces.map(async (namespace) => ({
        namespace: namespace.metadata?.name ?? "",
        target: targetOf(mesh, namespace),
        pods: await client.listPods(namespace.metadata?.name ?? "", ""),
      })),
      (async () => {
        const gatewayTag = mesh.istioRevisions?.gatewayTag;
        const target = gatewayTag ? mesh.istioRevisions!.tags[gatewayTag] : DEFAULT_REVISION_NAME;
        return {
          namespace: ISTIO_SYSTEM_NAMESPACE,
          target,
          pods: await client.listPods(ISTIO_SYSTEM_NAMESPACE, EAST_WEST_POD_SELECTOR),
        };
      })(),
    ]);
    const findings: Finding[] = [];
    const summary: string[] = [];
    for (const { namespace, target, pods } of groups.sort((a, b) => a.namespace.localeCompare(b.namespace))) {
      const counts = new Map<string, number>();
      for (const pod of pods) {
        const { finding, revision } = podFinding(cluster, namespace, target, pod, versions);
        if (finding) findings.push(finding);
        if (revision) counts.set(revision, (counts.get(revision) ?? 0) + 1);
      }
      const running = [...counts].map(([revision, count]) => `${count} on ${revision}`).join(", ") || "no proxies";
      summary.push(`${namespace} -> ${target} (${running})`);
    }
    if (findings.length) {
      const shown = findings.slice(0, 3).map((finding) => finding.problem);
      const more = findings.length > 3 ? `; and ${findings.length - 3} more` : "";
      return fail(`${shown.join("; ")}${more}`, findings[0].hint);
    }
    return pass(summary.join("; "));
  },
};
