import { parse as parseYaml } from "yaml";
import {
  ISTIO_SYSTEM_NAMESPACE,
  MULTICLUSTER_SECRET_LABEL,
  REMOTE_CLUSTER_ANNOTATION,
  REMOTE_SECRET_PREFIX,
  remoteSecretName,
} from "../../constructs/names";
import type { KubeSecret } from "../cluster-client";
import type { ClusterCheck } from "./check";
import { otherClusters, parseQuietly, readPath } from "./helpers";
import { fail, pass } from "./outcome";

/**
 * Every other cluster has a remote secret of the shape istiod reads. Its value names the other
 * clusters whose secret istiod can use, which remote-sync needs to say what to fix.
 */
export const remoteSecrets: ClusterCheck<ReadonlySet<string>> = {
  kind: "cluster",
  name: "remote-secrets",
  async run(cluster, client, { mesh }) {
    const others = otherClusters(mesh, cluster);
    if (!others.length) return pass("a single cluster needs no remote secrets");
    const labelled = await client.listSecrets(ISTIO_SYSTEM_NAMESPACE, `${MULTICLUSTER_SECRET_LABEL}=true`);
    const byName = new Map(labelled.map((secret) => [secret.metadata?.name ?? "", secret]));
    const hint = `apply the mesh-links stacks, which create ${REMOTE_SECRET_PREFIX}<cluster> in every cluster for every other cluster`;

    const problems: string[] = [];
    const servers: string[] = [];
    const usable = new Set<string>();
    for (const other of others) {
      const name = remoteSecretName(other.name);
      const secret = byName.get(name);
      if (!secret) {
        const unlabelled = await client.readSecret(ISTIO_SYSTEM_NAMESPACE, name);
        problems.push(
          unlabelled
            ? `${name} lacks label ${MULTICLUSTER_SECRET_LABEL}=true, so istiod ignores it`
            : `no ${name} for ${other.name}`,
        );
        continue;
      }
      const annotated = secret.metadata?.annotations?.[REMOTE_CLUSTER_ANNOTATION];
      if (annotated !== other.name) {
        problems.push(
          `${name} is annotated ${REMOTE_CLUSTER_ANNOTATION}=${JSON.stringify(annotated ?? "")}, expected ${JSON.stringify(other.name)}`,
        );
        continue;
      }
      const kubeconfig = remoteKubeconfig(secret, other.name);
      if ("problem" in kubeconfig) problems.push(`${name} ${kubeconfig.problem}`);
      else {
        servers.push(`${other.name} (${kubeconfig.server})`);
        usable.add(other.name);
      }
    }
    const known = new Set(others.map((other) => remoteSecretName(other.name)));
    const stale = [...byName.keys()].filter((name) => name.startsWith(REMOTE_SECRET_PREFIX) && !known.has(name));
    const staleNote = stale.length ? `; also ${stale.join(", ")}, for clusters not in the config` : "";

    if (problems.length) return { ...fail(problems.join("; ") + staleNote, hint), value: usable };
    return { ...pass(`remote secrets for ${servers.join(", ")}${staleNote}`), value: usable };
  },
};

/** The API server a remote secret's kubeconfig points istiod at, or what makes it unusable. */
function remoteKubeconfig(secret: KubeSecret, clusterName: string): { server: string } | { problem: string } {
  const encoded = secret.data?.[clusterName];
  if (!encoded) return { problem: `has no data key ${JSON.stringify(clusterName)} (the kubeconfig istiod reads)` };
  const config = parseQuietly(Buffer.from(encoded, "base64").toString("utf8"), parseYaml);
  const currentContext = readPath(config, ["current-context"]);
  if (typeof currentContext !== "string" || !currentContext)
    return { problem: "holds a kubeconfig without current-context" };
  const named = (list: string, name: unknown) =>
    (readPath(config, [list]) as unknown[] | undefined)?.find((entry) => readPath(entry, ["name"]) === name);
  const context = named("contexts", currentContext);
  const server = readPath(named("clusters", readPath(context, ["context", "cluster"])), ["cluster", "server"]);
  if (typeof server !== "string" || !server)
    return { problem: `holds a kubeconfig whose context ${currentContext} names no cluster server` };
  const user = readPath(named("users", readPath(context, ["context", "user"])), ["user"]);
  if (readPath(user, ["exec"])) return { problem: "holds a kubeconfig with an exec user, which istiod cannot run" };
  if (!readPath(user, ["token"])) return { problem: "holds a kubeconfig whose user has no token" };
  return { server };
}
