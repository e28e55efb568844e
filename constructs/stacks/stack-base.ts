import { Construct } from "constructs";
import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { S3StateSpec } from "../../config/spec";
import { PROJECT_DIR_FROM_STACK, localStateFileName, remoteStateKey } from "../names";

export interface MeshStackProps {
  readonly meshId: string;
  readonly clusterName: string;
  /** AWS region of the cluster this stack belongs to. */
  readonly region: string;
  /**
   * Remote state in S3. Without it, state lives in local files in the project directory.
   * @default local state
   */
  readonly state?: S3StateSpec;
  /**
   * The project directory as seen from the stack's folder in the output directory, where
   * Terraform runs: local state and the CA files are found through it.
   * @default PROJECT_DIR_FROM_STACK, right for an output directory at the top of the project (cdktf.out)
   */
  readonly projectDirectory?: string;
}

/**
 * Local state next to the project, outside the regenerated output; relative, so cross-stack
 * remote-state blocks carry no absolute path of this machine.
 */
export function localStatePath(stackName: string, projectDirectory = PROJECT_DIR_FROM_STACK): string {
  return `${projectDirectory}/${localStateFileName(stackName)}`;
}

/** A stack of one cluster: its AWS provider in the cluster's region, mesh tags, and its state backend. */
export abstract class MeshStack extends TerraformStack {
  constructor(scope: Construct, stackName: string, props: MeshStackProps) {
    super(scope, stackName);
    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [
        { tags: { "istio-mesh": props.meshId, "istio-mesh/cluster": props.clusterName, "managed-by": "cdktf" } },
      ],
    });
    if (props.state) {
      const backend = new S3Backend(this, {
        bucket: props.state.bucket,
        region: props.state.region,
        key: remoteStateKey(props.state.keyPrefix, stackName),
        encrypt: true,
      });
      // S3-native locking (Terraform >= 1.10); cdktf 0.21 predates the option.
      backend.addOverride("use_lockfile", true);
    } else {
      new LocalBackend(this, { path: localStatePath(stackName, props.projectDirectory) });
    }
  }

  /**
   * Resources this stack once declared and no longer manages: Terraform drops them from its state
   * without destroying them (`removed` blocks, Terraform 1.7 and later).
   */
  protected forget(addresses: readonly string[]): void {
    this.addOverride(
      "removed",
      addresses.map((from) => ({ from, lifecycle: { destroy: false } })),
    );
  }
}
