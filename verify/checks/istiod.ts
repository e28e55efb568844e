import { parse as parseYaml } from "yaml";
import { ISTIO_SYSTEM_NAMESPACE, NETWORK_LABEL } from "../../constructs/names";
import { INJECTOR_CONFIGMAP, ISTIOD_CONTAINER, ISTIOD_DEPLOYMENT, MESH_CONFIGMAP } from "../chart-names";
import type { ClusterCheck } from "./check";
import { kubectl, parseQuietly, readPath } from "./helpers";
import { fail, pass } from "./outcome";

interface Finding {
  readonly problem: string;
  readonly hint: string;
}

/**
 * istiod runs, and knows the mesh as the config says: meshID, its cluster's name and network (in
 * its Deployment, its mesh config, the injector's values and istio-system's network label).
 */
export const istiod: ClusterCheck = {
  kind: "cluster",
  name: "istiod",
  async run(cluster, client, { mesh: { meshId } }) {
    const [deployment, meshConfig, injector, namespace] = await Promise.all([
      client.readDeployment(ISTIO_SYSTEM_NAMESPACE, ISTIOD_DEPLOYMENT),
      client.readConfigMap(ISTIO_SYSTEM_NAMESPACE, MESH_CONFIGMAP),
      client.readConfigMap(ISTIO_SYSTEM_NAMESPACE, INJECTOR_CONFIGMAP),
      client.readNamespace(ISTIO_SYSTEM_NAMESPACE),
    ]);
    if (!deployment) {
      return fail(
        `no Deployment ${ISTIOD_DEPLOYMENT} in ${ISTIO_SYSTEM_NAMESPACE}`,
        `deploy ${cluster.name}'s platform stack (npx cdktf deploy ${cluster.name}-platform)`,
      );
    }
    const reapply = `istiod's values must be global.meshID=${meshId}, global.multiCluster.clusterName=${cluster.name}, global.network=${cluster.network}: re-apply ${cluster.name}'s platform stack`;
    const findings: Finding[] = [];
    const mismatch = (what: string, actual: unknown, expected: string) => {
      if (actual !== expected) {
        const found = actual === undefined || actual === "" ? "is not set" : `is ${JSON.stringify(actual)}`;
        findings.push({ problem: `${what} ${found}, expected ${JSON.stringify(expected)}`, hint: reapply });
      }
    };

    const desired = deployment.spec?.replicas ?? deployment.status?.replicas ?? 1;
    const ready = deployment.status?.readyReplicas ?? 0;
    if (ready < 1) {
      findings.push({
        problem: `${ready}/${desired} replicas ready`,
        hint: `see why: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} describe deployment/${ISTIOD_DEPLOYMENT} and its logs`,
      });
    }

    const containers = deployment.spec?.template?.spec?.containers ?? [];
    const discovery = containers.find((container) => container.name === ISTIOD_CONTAINER) ?? containers[0];
    mismatch(
      "clusterName (env CLUSTER_ID)",
      discovery?.env?.find((variable) => variable.name === "CLUSTER_ID")?.value,
      cluster.name,
    );

    if (!meshConfig?.data?.mesh) {
      findings.push({ problem: `ConfigMap ${MESH_CONFIGMAP} has no mesh config`, hint: reapply });
    } else {
      mismatch(
        `meshID (ConfigMap ${MESH_CONFIGMAP}, defaultConfig.meshId)`,
        readPath(parseQuietly(meshConfig.data.mesh, parseYaml), ["defaultConfig", "meshId"]),
        meshId,
      );
    }

    mismatch(
      `network label ${NETWORK_LABEL} of namespace ${ISTIO_SYSTEM_NAMESPACE}`,
      namespace?.metadata?.labels?.[NETWORK_LABEL],
      cluster.network,
    );
    if (!injector?.data?.values) {
      findings.push({ problem: `ConfigMap ${INJECTOR_CONFIGMAP} has no values`, hint: reapply });
    } else {
      mismatch(
        `sidecars' network (ConfigMap ${INJECTOR_CONFIGMAP}, global.network)`,
        readPath(parseQuietly(injector.data.values, JSON.parse), ["global", "network"]),
        cluster.network,
      );
    }

    if (findings.length) return fail(findings.map((finding) => finding.problem).join("; "), findings[0].hint);
    return pass(`${ready}/${desired} ready; meshID ${meshId}, clusterName ${cluster.name}, network ${cluster.network}`);
  },
};
