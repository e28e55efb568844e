import type { ConnectionCheck } from "./check";
import { requestFailure, updateKubeconfig } from "./helpers";
import { fail, pass } from "./outcome";

/** Each cluster's API server answers GET /version through its kubeconfig context. */
export const reachable: ConnectionCheck = {
  kind: "connection",
  name: "reachable",
  async run(cluster, connection) {
    if (!connection) return fail(`no kubeconfig context for ${cluster.name}`, updateKubeconfig(cluster));
    if (!("client" in connection)) return fail(connection.reason, connection.hint);
    const { client } = connection;
    try {
      const version = await client.serverVersion();
      return { ...pass(`Kubernetes ${version} at ${client.server} (context ${cluster.kubeContext})`), value: client };
    } catch (error) {
      return requestFailure(error, cluster, client);
    }
  },
};
