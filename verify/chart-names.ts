import { DEFAULT_REVISION_NAME, HELLOWORLD_PATH, HELLOWORLD_PORT, SAMPLE_NAMESPACE } from "../constructs/names";

/*
 * Names verify reads that this program does not set: Istio's charts and istiod define them, or
 * the mesh chart's sample templates (manifests/mesh/templates) hard-code them. Names the program
 * sets come from constructs/names.ts, which the constructs use too. Tests derive each of these
 * from the rendered charts and compare (verify-chart-contract.test.ts).
 */

/** istiod publishes the root it signs with in this ConfigMap, in every namespace. */
export const CA_ROOT_CONFIGMAP = "istio-ca-root-cert";
/** The istiod chart names its Deployment `istiod` (without a revision), whatever the release is called. */
export const ISTIOD_DEPLOYMENT = "istiod";

/**
 * What the istiod chart appends to the names of a revision's objects (Deployment, ConfigMaps
 * `istio` and `istio-sidecar-injector`): nothing for the default revision, `-<revision>` otherwise.
 */
export function revisionSuffix(revision: string): string {
  return revision === DEFAULT_REVISION_NAME ? "" : `-${revision}`;
}

/** The Service each revision tag gets (templates/revision-tags-svc.yaml), labelled istio.io/rev with the tag's revision. */
export function tagServiceName(tag: string): string {
  return `istiod-revision-tag-${tag}`;
}

/** The annotation the injector writes on every pod it injects: JSON whose `revision` names the istiod that did it. */
export const SIDECAR_STATUS_ANNOTATION = "sidecar.istio.io/status";
/** Set to "false" as a pod label or annotation, it opts the pod out of injection. */
export const INJECT_OPT_OUT = "sidecar.istio.io/inject";
/** The istiod chart's pod label, which `istioctl remote-clusters` also finds istiod by. */
export const ISTIOD_POD_SELECTOR = "app=istiod";
/** The istiod chart's container that runs pilot-discovery. */
export const ISTIOD_CONTAINER = "discovery";
/** The istiod chart's mesh config (key `mesh`, defaultConfig.meshId = global.meshID). */
export const MESH_CONFIGMAP = "istio";
/** The istiod chart's injector ConfigMap: key `values` is JSON of the chart's `global` values, which sidecars get. */
export const INJECTOR_CONFIGMAP = "istio-sidecar-injector";
/** The container Istio injects into every meshed pod. */
export const SIDECAR_CONTAINER = "istio-proxy";
/** The istiod chart's --monitoringAddr port, where istiod also serves its debug endpoints. */
export const ISTIOD_MONITORING_PORT = 15014;

/**
 * istiod's list of the clusters it reads, and how far it got with each (pilot/pkg/xds/debug.go,
 * Istio 1.31): JSON `[{"id", "secretName", "syncStatus"}]`, its own cluster first with an empty
 * secretName, then one entry per cluster of every remote secret it loaded
 * (pkg/kube/multicluster ListRemoteClusters).
 *
 * It is asked from inside istiod's container, as `pilot-discovery request` (which GETs
 * 127.0.0.1:15014, the chart's --monitoringAddr), because istiod 1.31 serves debug endpoints
 * without credentials to loopback callers only. Through the API server's service proxy
 * (/api/v1/namespaces/istio-system/services/http:istiod:15014/proxy/debug/clusterz) the request
 * arrives from the API server's address with no Authorization header (the API server strips it
 * once it has authenticated the user), and istiod answers 401. The path is the pilot image's
 * entrypoint, so it does not depend on the image's PATH (debug and distroless images alike).
 */
export const CLUSTERZ_COMMAND = ["/usr/local/bin/pilot-discovery", "request", "GET", "/debug/clusterz"] as const;
/** The syncStatus of a cluster istiod has fully read (pkg/kube/multicluster SyncStatusSynced). */
export const SYNCED = "synced";

/** The helloworld Service of the samples (manifests/mesh/templates/sample-helloworld.yaml). */
export const HELLO_URL = `helloworld.${SAMPLE_NAMESPACE}:${HELLOWORLD_PORT}${HELLOWORLD_PATH}`;
/** Pod labels of the samples, and the curl pod's container (manifests/mesh/templates/sample-*.yaml). */
export const HELLOWORLD_POD_SELECTOR = "app=helloworld";
export const CURL_POD_SELECTOR = "app=curl";
export const CURL_CONTAINER = "curl";
/** The curl sample's Deployment, restarted to get a sidecar injected. */
export const CURL_DEPLOYMENT = "curl";
