import { parse as parseYaml } from "yaml";
import { DEFAULT_REVISION_NAME, ISTIO_SYSTEM_NAMESPACE, NETWORK_LABEL } from "../../constructs/names";
import {
  INJECTOR_CONFIGMAP,
  ISTIOD_CONTAINER,
  ISTIOD_DEPLOYMENT,
  MESH_CONFIGMAP,
  revisionSuffix,
} from "../chart-names";
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
  async run(cluster, client, { mesh: { meshId, istioRevisions } }) {
    // With revisions, the one the gateways follow; the revisions check reads the others.
    const suffix = revisionSuffix(
      istioRevisions ? istioRevisions.tags[istioRevisions.gatewayTag] : DEFAULT_REVISION_NAME,
    );
    const deploymentName = `${ISTIOD_DEPLOYMENT}${suffix}`;
    const meshConfigMap = `${MESH_CONFIGMAP}${suffix}`;
    const injectorConfigMap = `${INJECTOR_CONFIGMAP}${suffix}`;
    const [deployment, meshConfig, injector, namespace] = await Promise.all([
      client.readDeployment(ISTIO_SYSTEM_NAMESPACE, deploymentName),
      client.readConfigMap(ISTIO_SYSTEM_NAMESPACE, meshConfigMap),
      client.readConfigMap(ISTIO_SYSTEM_NAMESPACE, injectorConfigMap),
      client.readNamespace(ISTIO_SYSTEM_NAMESPACE),
    ]);
    if (!deployment) {
      return fail(
        `no Deployment ${deploymentName} in ${ISTIO_SYSTEM_NAMESPACE}`,
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
        hint: `see why: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} describe deployment/${deploymentName} and its logs`,
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
      findings.push({ problem: `ConfigMap ${meshConfigMap} has no mesh config`, hint: reapply });
    } else {
      mismatch(
        `meshID (ConfigMap ${meshConfigMap}, defaultConfig.meshId)`,
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
      findings.push({ problem: `ConfigMap ${injectorConfigMap} has no values`, hint: reapply });
    } else {
      mismatch(
        `sidecars' network (ConfigMap ${injectorConfigMap}, global.network)`,
        readPath(parseQuietly(injector.data.values, JSON.parse), ["global", "network"]),
        cluster.network,
      );
    }

    if (findings.length) return fail(findings.map((finding) => finding.problem).join("; "), findings[0].hint);
    return pass(`${ready}/${desired} ready; meshID ${meshId}, clusterName ${cluster.name}, network ${cluster.network}`);
  },
};
