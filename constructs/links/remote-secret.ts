import { Construct } from "constructs";
import { Fn } from "cdktf";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import {
  ISTIO_SYSTEM_NAMESPACE,
  MULTICLUSTER_SECRET_LABEL,
  REMOTE_CLUSTER_ANNOTATION,
  remoteSecretName,
} from "../names";

/** What istiod needs to read a remote cluster: its API endpoint, its CA and a reader token. */
export interface RemoteClusterCredentials {
  /** The remote cluster's name: istiod's cluster ID for it (global.multiCluster.clusterName there). */
  readonly clusterName: string;
  /** https URL of the remote API server. */
  readonly server: string;
  /** The remote API server's CA, base64-encoded PEM (as EKS reports it). */
  readonly certificateAuthorityData: string;
  /** Bearer token of the remote cluster's istio reader service account. */
  readonly token: string;
}

/**
 * The kubeconfig of a remote secret as a Terraform expression, so the token, endpoint and CA are
 * filled in at apply time and never written to cdktf.out. A static token user: istiod rejects
 * kubeconfigs with an `exec` user, so the usual EKS `aws eks get-token` config cannot be used.
 */
export function remoteKubeconfig(remote: RemoteClusterCredentials): string {
  const name = remote.clusterName;
  return Fn.yamlencode({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name, cluster: { server: remote.server, "certificate-authority-data": remote.certificateAuthorityData } },
    ],
    users: [{ name, user: { token: remote.token } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    preferences: {},
  });
}

/** A cluster other clusters' istiod can read: its name and its kubeconfig, as remoteKubeconfig builds it. */
export interface RemoteCluster {
  /** The remote cluster's name: istiod's cluster ID for it (global.multiCluster.clusterName there). */
  readonly clusterName: string;
  /** The kubeconfig, a Terraform expression known at apply time. */
  readonly kubeconfig: string;
}

export interface RemoteSecretProps {
  /** The cluster the local istiod is to read. */
  readonly remote: RemoteCluster;
}

/**
 * The secret `istioctl create-remote-secret` would write, made declaratively: with it, the local
 * istiod discovers the remote cluster's services and endpoints, which is what makes the mesh
 * multi-primary.
 */
export class RemoteSecret extends Construct {
  public readonly secret: SecretV1;

  constructor(scope: Construct, id: string, props: RemoteSecretProps) {
    super(scope, id);
    const { remote } = props;
    this.secret = new SecretV1(this, "secret", {
      metadata: {
        name: remoteSecretName(remote.clusterName),
        namespace: ISTIO_SYSTEM_NAMESPACE,
        labels: { [MULTICLUSTER_SECRET_LABEL]: "true" },
        annotations: { [REMOTE_CLUSTER_ANNOTATION]: remote.clusterName },
      },
      // istiod reads the kubeconfig under the remote cluster's name; the provider base64-encodes it.
      data: { [remote.clusterName]: remote.kubeconfig },
    });
  }
}
