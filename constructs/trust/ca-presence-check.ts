import { Construct } from "constructs";
import { DataResource, TerraformLocal } from "cdktf";
import { clusterCaFiles } from "./ca-files";

export interface CaPresenceCheckProps {
  /** The mesh CA directory, relative to the project (certificateAuthority.directory). */
  readonly caDirectory: string;
  /** Every cluster of the mesh: each platform stack reads its own cluster's files. */
  readonly clusterNames: readonly string[];
  /** The project directory relative to Terraform's working directory. */
  readonly projectDirectory: string;
}

/**
 * Stops a deploy at its first plan when a cluster's CA files are missing. Synth only warns about
 * a missing CA (CI synthesizes without one), and the platform stacks read the files with file()
 * only after the networks and clusters exist: without this check a deploy builds VPCs and EKS
 * clusters for twenty minutes before failing. A precondition on a terraform_data, which needs no
 * provider, in the first stage of every cluster: nothing of the mesh is created before it passes.
 */
export class CaPresenceCheck extends Construct {
  public readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: CaPresenceCheckProps) {
    super(scope, id);
    // Project-relative name (for the message) -> path as Terraform sees it (for fileexists). A
    // local, because a precondition must refer to something outside itself.
    const files = new TerraformLocal(
      this,
      "files",
      Object.fromEntries(
        props.clusterNames.flatMap((clusterName) => {
          const seen = clusterCaFiles(props.projectDirectory, props.caDirectory, clusterName);
          return Object.entries(clusterCaFiles("", props.caDirectory, clusterName)).map(([file, shown]) => [
            shown,
            seen[file as keyof typeof seen],
          ]);
        }),
      ),
    );
    const fileMap = `local.${files.friendlyUniqueId}`;
    this.resource = new DataResource(this, "ca-files", {
      input: { caDirectory: props.caDirectory },
      lifecycle: {
        precondition: [
          {
            condition: `\${alltrue([for shown, seen in ${fileMap} : fileexists(seen)])}`,
            errorMessage: `The mesh CA is incomplete, so the platform stacks could not create the cacerts secrets; missing: \${join(", ", [for shown, seen in ${fileMap} : shown if !fileexists(seen)])}. Run npm run certs (or point certificateAuthority.directory at your own CA), then deploy again.`,
          },
        ],
      },
    });
  }
}
