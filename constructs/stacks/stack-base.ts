import { Construct } from "constructs";
import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { ValidateProviderPresence } from "cdktf/lib/validations/validate-provider-presence";
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

/**
 * The oldest Terraform that runs every stack: `removed` blocks and `for_each` in import blocks need
 * 1.7, S3-native state locking (`use_lockfile`) needs 1.10.
 */
export const MINIMUM_TERRAFORM_VERSION = "1.10";

/** A stack of one cluster: its AWS provider in the cluster's region, mesh tags, and its state backend. */
export abstract class MeshStack extends TerraformStack {
  constructor(scope: Construct, stackName: string, props: MeshStackProps) {
    super(scope, stackName);
    this.addOverride("terraform.required_version", `>= ${MINIMUM_TERRAFORM_VERSION}`);
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
   * cdktf's checks at synth, except its Terraform version checks: those run `terraform version` once
   * per import block, moved block and terraform_data resource, on the machine that synthesizes
   * (half the time of a synth, and a failed synth where Terraform is not installed, as in a CI job
   * that only synthesizes). `required_version` has Terraform itself check, where it runs. Checks
   * added with node.addValidation would not run either: the constructs add none (a test keeps it so).
   */
  public override runAllValidations(): void {
    const problems = new ValidateProviderPresence(this).validate();
    if (problems.length) throw new Error(`${this.node.id}: ${problems.join("; ")}`);
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
