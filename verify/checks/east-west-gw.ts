import {
  CROSS_NETWORK_PORT,
  EAST_WEST_GATEWAY_RELEASE,
  ISTIO_SYSTEM_NAMESPACE,
  NETWORK_LABEL,
} from "../../constructs/names";
import type { ClusterCheck } from "./check";
import { kubectl } from "./helpers";
import { fail, pass } from "./outcome";

/** The east-west gateway's Service is a LoadBalancer on the cluster's network, with the cross-network port and an address. */
export const eastWestGateway: ClusterCheck = {
  kind: "cluster",
  name: "east-west-gw",
  async run(cluster, client) {
    const service = await client.readService(ISTIO_SYSTEM_NAMESPACE, EAST_WEST_GATEWAY_RELEASE);
    const reapply = `re-apply ${cluster.name}'s platform stack (release ${EAST_WEST_GATEWAY_RELEASE}, networkGateway=${cluster.network})`;
    if (!service) return fail(`no Service ${EAST_WEST_GATEWAY_RELEASE} in ${ISTIO_SYSTEM_NAMESPACE}`, reapply);

    const problems: string[] = [];
    if (service.spec?.type !== "LoadBalancer")
      problems.push(`type is ${service.spec?.type ?? "unset"}, expected LoadBalancer`);
    if (!service.spec?.ports?.some((port) => port.port === CROSS_NETWORK_PORT))
      problems.push(`no port ${CROSS_NETWORK_PORT}, which carries cross-network mTLS`);
    const network = service.metadata?.labels?.[NETWORK_LABEL];
    if (network !== cluster.network) {
      problems.push(
        `label ${NETWORK_LABEL} is ${JSON.stringify(network ?? "")}, expected ${JSON.stringify(cluster.network)} (istiod finds a network's gateway by it)`,
      );
    }
    if (problems.length) return fail(problems.join("; "), reapply);

    const addresses = (service.status?.loadBalancer?.ingress ?? [])
      .map((ingress) => ingress.hostname || ingress.ip)
      .filter(Boolean);
    if (!addresses.length) {
      return fail(
        "no external address yet: the load balancer is not provisioned",
        `the AWS Load Balancer Controller provisions it: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} describe service ${EAST_WEST_GATEWAY_RELEASE}, and the controller's logs in kube-system`,
      );
    }
    return pass(`${addresses.join(", ")} port ${CROSS_NETWORK_PORT}, network ${cluster.network}`);
  },
};
