import { ClusterClient, ClusterRequestError } from "../cluster-client";
import type { ClusterUnderTest, MeshUnderTest } from "./check";
import { fail, Outcome } from "./outcome";

export function otherClusters(mesh: MeshUnderTest, cluster: ClusterUnderTest): readonly ClusterUnderTest[] {
  return mesh.clusters.filter((other) => other.name !== cluster.name);
}

/** The start of every kubectl command a hint suggests: the cluster's context. */
export function kubectl(cluster: ClusterUnderTest): string {
  return `kubectl --context ${cluster.kubeContext}`;
}

export function updateKubeconfig(cluster: ClusterUnderTest): string {
  return `aws eks update-kubeconfig --name ${cluster.name} --region ${cluster.region} --alias ${cluster.kubeContext}`;
}

export function oneLine(text: string): string {
  return text.split("\n")[0].trim();
}

export function parseQuietly(text: string, parse: (text: string) => unknown): unknown {
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

/** The value at `path` in parsed JSON or YAML, or undefined when any step is missing. */
export function readPath(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );
}

/** Turns any error from a client call into a FAIL with a hint that fits its kind. */
export function requestFailure(error: unknown, cluster: ClusterUnderTest, client: ClusterClient): Outcome {
  const message = oneLine(error instanceof Error ? error.message : String(error));
  if (!(error instanceof ClusterRequestError))
    return fail(`unexpected error: ${message}`, `retry; if it persists, run: ${kubectl(cluster)} get --raw /version`);
  switch (error.kind) {
    case "unreachable":
    case "timeout":
      return fail(
        message,
        `check that the cluster exists (npx cdktf deploy ${cluster.name}-eks) and that your address is inside apiAllowedCidrs, the only sources the EKS endpoint of ${client.server} admits`,
      );
    case "tls":
      return fail(message, `the kubeconfig does not trust this server: ${updateKubeconfig(cluster)}`);
    case "unauthorized":
      return fail(
        message,
        `your credentials were rejected: refresh them (aws sso login or aws configure), then ${updateKubeconfig(cluster)}`,
      );
    case "forbidden":
      return fail(
        message,
        "your IAM principal lacks read access: add it to `admins` in the mesh config and apply the eks stacks, or use a cluster-admin context",
      );
    case "credentials":
      return fail(
        message,
        `check \`aws sts get-caller-identity\` (AWS CLI v2), then let the AWS CLI write the context: ${updateKubeconfig(cluster)}`,
      );
    default:
      return fail(message, `run ${kubectl(cluster)} get --raw /version to see the server's full answer`);
  }
}
