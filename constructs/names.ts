/**
 * The names and ports the deployed mesh is made of: what the constructs create, what the AWS side
 * opens, and what `npm run verify` looks for. Plain values, so using them loads no cdktf.
 */

/** Namespace of istiod, the Istio CRD-side resources and the east-west gateway. */
export const ISTIO_SYSTEM_NAMESPACE = "istio-system";

/** Namespace of the ingress gateway, apart from the control plane so it can have its own injection policy. */
export const ISTIO_INGRESS_NAMESPACE = "istio-ingress";

/** Namespace of the sample apps (helloworld, curl) that `npm run verify` sends traffic through. */
export const SAMPLE_NAMESPACE = "sample";

/** Namespace of cluster add-ons (metrics-server, the AWS Load Balancer Controller); EKS creates it. */
export const KUBE_SYSTEM_NAMESPACE = "kube-system";

/** Label that tells istiod which network the pods (and gateways) of a namespace are on. */
export const NETWORK_LABEL = "topology.istio.io/network";

/** Label that turns on sidecar injection for every pod of a namespace. */
export const INJECTION_LABEL = "istio-injection";

/** istiod watches secrets with this label for the clusters it discovers endpoints in. */
export const MULTICLUSTER_SECRET_LABEL = "istio/multiCluster";

/** Names the remote cluster a secret is for, as `istioctl create-remote-secret` writes it. */
export const REMOTE_CLUSTER_ANNOTATION = "networking.istio.io/cluster";

/** Name prefix of remote secrets, as `istioctl create-remote-secret` writes them. */
export const REMOTE_SECRET_PREFIX = "istio-remote-secret-";

/** The remote secret through which other clusters' istiod read `remoteClusterName`. */
export function remoteSecretName(remoteClusterName: string): string {
  return `${REMOTE_SECRET_PREFIX}${remoteClusterName}`;
}

/** The port the helloworld app listens on and its Service exposes. */
export const HELLOWORLD_PORT = 5000;

/** The path that answers "Hello version: <SERVICE_VERSION>, instance: <pod>". */
export const HELLOWORLD_PATH = "/hello";

/** Release (and Service) name of the east-west gateway, as Istio's multi-network docs name it. */
export const EAST_WEST_GATEWAY_RELEASE = "istio-eastwestgateway";

/** Port of the cross-network listener (mTLS from other networks, AUTO_PASSTHROUGH). */
export const CROSS_NETWORK_PORT = 15443;

/** The secret istiod looks for at start: with it, istiod signs with the plugged-in intermediate. */
export const CACERTS_SECRET_NAME = "cacerts";

/** istiod's XDS and CA port over TLS: what proxies (and remote clusters' proxies) connect to. */
export const ISTIOD_XDS_PORT = 15012;

/** istiod's admission webhooks (sidecar injection, config validation), which the API server calls. */
export const ISTIOD_WEBHOOK_PORT = 15017;
