/**
 * The contract shared by the constructs, the CA tool (`certs/`) and `npm run verify` (`verify/`):
 * the names and ports the deployed mesh is made of, the files of a CA directory, and where the
 * project sits relative to Terraform's working directory. Plain values that import nothing, so
 * the CLIs that use them load no cdktf.
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

/**
 * Label that names the control plane revision (or revision tag) injecting a namespace's pods,
 * instead of INJECTION_LABEL; on Istio's own objects, the revision they belong to.
 */
export const REVISION_LABEL = "istio.io/rev";

/** Label of a revision tag's webhook: the tag it implements. */
export const TAG_LABEL = "istio.io/tag";

/** The Deployment (and Service) of a revision's istiod: `istiod` for the default revision. */
export function istiodName(revision: string): string {
  return revision === DEFAULT_REVISION_NAME ? "istiod" : `istiod-${revision}`;
}

/** What Istio calls the unnamed revision, and the value of REVISION_LABEL on its objects. */
export const DEFAULT_REVISION_NAME = "default";

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

/** Istio gateways' health endpoint port: what the load balancers' health checks probe. */
export const GATEWAY_STATUS_PORT = 15021;

/**
 * The east-west gateway's Service ports, by the names the gateway chart and Istio expect: the
 * status port for health checks, `tls` for cross-network traffic, and istiod's XDS/CA and webhook
 * ports, which only a remote (non-primary) cluster would use. Each is one listener of the NLB, and
 * one security group rule per source range it admits (config validation counts them).
 */
export const EAST_WEST_GATEWAY_PORTS = {
  "status-port": GATEWAY_STATUS_PORT,
  tls: CROSS_NETWORK_PORT,
  "tls-istiod": ISTIOD_XDS_PORT,
  "tls-webhook": ISTIOD_WEBHOOK_PORT,
} as const;

/**
 * The project directory as seen from where cdktf runs Terraform (cdktf.out/stacks/<stack>).
 * Paths built on it (local state, CA files read by file()) stay valid on any machine.
 */
export const PROJECT_DIR_FROM_STACK = "../../..";

/**
 * The files of a mesh CA directory: the layout of Istio's `tools/certs/Makefile.selfsigned.mk`,
 * which `npm run certs` writes and a bring-your-own CA must follow.
 *
 * ```
 * <caDirectory>/root-cert.pem        the mesh root every cluster trusts
 * <caDirectory>/root-key.pem         its key: needed only to issue intermediates, never by synth
 * <caDirectory>/<cluster>/ca-cert.pem     the cluster's intermediate CA (istiod signs workloads with it)
 * <caDirectory>/<cluster>/ca-key.pem      its key
 * <caDirectory>/<cluster>/cert-chain.pem  the intermediate, then each issuer up to the root
 * <caDirectory>/<cluster>/root-cert.pem   a copy of the mesh root
 * ```
 */
export const ROOT_CERT_FILE = "root-cert.pem";
export const ROOT_KEY_FILE = "root-key.pem";
export const CA_CERT_FILE = "ca-cert.pem";
export const CA_KEY_FILE = "ca-key.pem";
export const CERT_CHAIN_FILE = "cert-chain.pem";
/** Which meshes a CA directory serves (not secret): `npm run certs` writes it with a new root. */
export const CA_MESH_RECORD_FILE = "mesh.json";

/**
 * What istiod reads from its `cacerts` secret, per cluster. The secret's keys are the file names,
 * which is what Istio expects.
 */
export const CLUSTER_CA_FILES = [CA_CERT_FILE, CA_KEY_FILE, ROOT_CERT_FILE, CERT_CHAIN_FILE] as const;
export type ClusterCaFile = (typeof CLUSTER_CA_FILES)[number];

/** A cluster's stacks, in the order they deploy (and the reverse order they are destroyed in). */
export const CLUSTER_STACK_STAGES = ["network", "eks", "platform", "mesh-links"] as const;
export type ClusterStackStage = (typeof CLUSTER_STACK_STAGES)[number];

/** Stack names derive from the cluster name only, so reordering clusters never moves state. */
export function stackName(clusterName: string, stage: ClusterStackStage): string {
  return `${clusterName}-${stage}`;
}

/** A stack's state object in the S3 state bucket. */
export function remoteStateKey(keyPrefix: string, stack: string): string {
  return `${keyPrefix}/${stack}.tfstate`;
}

/** Terraform's local state file of a stack (without a state backend), in the project directory. */
export function localStateFileName(stack: string): string {
  return `terraform.${stack}.tfstate`;
}

/**
 * The stage of a root rotation in progress, in the CA directory (absent when none is): written by
 * `npm run certs -- --rotate-root <stage>`, read by it to refuse a skipped stage.
 */
export const ROOT_ROTATION_FILE = "root-rotation.json";

/** Where the new root waits during the first stage of a root rotation, in the CA directory. */
export const NEXT_ROOT_DIRECTORY = "next-root";

/** Folder of the CA directory that keeps the files each rotation replaced, for a rollback. */
export const CA_BACKUP_DIRECTORY = "previous";

/**
 * istiod replicas at the least. With one, draining its node stops sidecar injection (its webhook
 * fails closed) until the pod is rescheduled; the chart creates its disruption budget only above one.
 */
export const ISTIOD_MIN_REPLICAS = 2;

/**
 * Gateways run at least two pods with a disruption budget of one (GATEWAY_MIN_AVAILABLE), so
 * draining a node (an EKS or node group upgrade) never takes the only gateway pod, and with it all
 * traffic through it.
 */
export const GATEWAY_MIN_REPLICAS = 2;
/** Gateway pods that must stay up while nodes drain: one fewer than GATEWAY_MIN_REPLICAS, so a drain can proceed. */
export const GATEWAY_MIN_AVAILABLE = 1;

/** Replicas of EKS's coredns add-on as EKS installs it, with a disruption budget of one unavailable. */
export const COREDNS_REPLICAS = 2;
