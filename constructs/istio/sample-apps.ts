import { INGRESS_GATEWAY_HTTP_PORT, INGRESS_GATEWAY_SELECTOR } from "./ingress-gateway";
import { GATEWAY_SELECTOR_LABEL } from "./istio-charts";
import { HELLOWORLD_PATH, HELLOWORLD_PORT, SAMPLE_NAMESPACE } from "../names";

/**
 * Istio's helloworld sample (samples/helloworld in Istio 1.31). Upstream publishes images for v1
 * and v2 only, and they differ in nothing but the SERVICE_VERSION their image sets, which the
 * app echoes back: one image serves every cluster, with SERVICE_VERSION set per cluster.
 */
export const HELLOWORLD_IMAGE = "registry.istio.io/release/examples-helloworld-v1:1.0";

/** The client pod `npm run verify` execs curl in (Istio 1.31 samples/curl). */
export const CURL_IMAGE = "docker.io/curlimages/curl:8.16.0";

/** Values of the mesh chart's `samples` block (manifests/mesh/values.schema.json). */
export interface SampleAppsValues {
  readonly enabled: true;
  readonly namespace: string;
  readonly helloworld: {
    /** The pods' `version` label, their Deployment's suffix and their SERVICE_VERSION. */
    readonly version: string;
    readonly image: string;
    readonly port: number;
    readonly path: string;
  };
  readonly curl: { readonly image: string };
  /** The Gateway on the ingress gateway that serves helloworld's path through the ALB. */
  readonly ingress: {
    readonly selector: Readonly<Record<string, string>>;
    readonly port: number;
  };
}

/** A pod label value that can also end a Deployment name: lowercase alphanumerics and dashes, at most 63. */
const VERSION_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function sampleAppsValues(helloworldVersion: string): SampleAppsValues {
  if (!VERSION_PATTERN.test(helloworldVersion)) {
    throw new Error(
      `sample apps: helloworld version "${helloworldVersion}" must be lowercase letters, digits and dashes (it names a Deployment and labels pods), such as "cluster1" or "v1"`,
    );
  }
  return {
    enabled: true,
    namespace: SAMPLE_NAMESPACE,
    helloworld: { version: helloworldVersion, image: HELLOWORLD_IMAGE, port: HELLOWORLD_PORT, path: HELLOWORLD_PATH },
    curl: { image: CURL_IMAGE },
    ingress: {
      selector: { [GATEWAY_SELECTOR_LABEL]: INGRESS_GATEWAY_SELECTOR },
      port: INGRESS_GATEWAY_HTTP_PORT,
    },
  };
}
