import { Construct } from "constructs";
import { ClusterAccess } from "../links/cluster-access";
import { RemoteCluster, RemoteSecret } from "../links/remote-secret";
import { MeshStack, MeshStackProps } from "./stack-base";
import { remoteSecretName } from "../names";

export interface MeshLinksStackProps extends MeshStackProps {
  /**
   * Every other cluster of the mesh. Their kubeconfigs are references into their platform stacks:
   * cdktf turns each into a sensitive output there and a remote-state read here.
   */
  readonly remotes: readonly RemoteCluster[];
}

/**
 * One cluster's remote secrets, one for every other cluster, deployed after every cluster's
 * platform stack. A stack of its own per cluster so the graph stays acyclic and shallow: the
 * links need every cluster's reader token, and every token needs its cluster's platform stack.
 * Adding a cluster adds a secret here (and a links stack for it), changing no existing secret:
 * each secret's construct id derives from the remote cluster's name.
 */
export class MeshLinksStack extends MeshStack {
  public readonly access: ClusterAccess;
  /** By remote cluster name. */
  public readonly remoteSecrets: ReadonlyMap<string, RemoteSecret>;

  constructor(scope: Construct, id: string, props: MeshLinksStackProps) {
    super(scope, id, props);
    this.access = new ClusterAccess(this, "cluster-access", {
      clusterName: props.clusterName,
      region: props.region,
      helm: false,
    });
    const names = props.remotes.map((remote) => remote.clusterName);
    if (names.includes(props.clusterName) || new Set(names).size !== names.length) {
      throw new Error(
        `MeshLinksStack ${props.clusterName}: remotes [${names.join(", ")}] must name every other cluster once, and never ${props.clusterName} itself`,
      );
    }
    this.remoteSecrets = new Map(
      props.remotes.map((remote) => [
        remote.clusterName,
        // The id is the secret's name, which derives from the remote cluster's name only.
        new RemoteSecret(this, remoteSecretName(remote.clusterName), { remote }),
      ]),
    );
  }
}
