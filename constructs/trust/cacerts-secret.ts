import * as path from "node:path";
import { Construct } from "constructs";
import { Fn, ITerraformDependable } from "cdktf";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { CACERTS_SECRET_NAME, ClusterCaFile, ISTIO_SYSTEM_NAMESPACE } from "../names";
import { clusterCaFiles } from "./ca-files";

export interface CacertsSecretProps {
  /** The cluster whose intermediate CA the secret carries (its folder in the CA directory). */
  readonly clusterName: string;
  /**
   * The CA directory, relative to the project (the config's certificateAuthority.directory). An
   * absolute path would tie cdktf.out to this machine, so it is rejected.
   */
  readonly caDirectory: string;
  /**
   * The project directory relative to Terraform's working directory, which `caDirectory` is
   * resolved against (the stack knows where cdktf runs Terraform; the secret does not).
   */
  readonly projectDirectory: string;
  /** What creates the secret's namespace (the istio-system namespace resource); the secret waits for it. */
  readonly namespaceDependency: ITerraformDependable;
}

/**
 * The `cacerts` secret of one cluster, in istiod's namespace: its intermediate CA, key, chain and
 * the mesh root, so istiod signs workload certificates under the root every cluster shares instead
 * of minting its own. Made with the stack's Kubernetes provider.
 *
 * Each value is a Terraform file() call on a path relative to the stack's working directory:
 * Terraform reads the files at plan/apply time, so cdktf.out holds neither key material nor an
 * absolute path. Terraform state does hold the secret, so state belongs in an encrypted backend.
 * Istiod must depend on `secret`: started without it, istiod mints a root of its own.
 */
export class CacertsSecret extends Construct {
  public readonly secret: SecretV1;
  /** The file each secret key is read from, relative to the stack's working directory. */
  public readonly sourceFiles: Readonly<Record<ClusterCaFile, string>>;

  constructor(scope: Construct, id: string, props: CacertsSecretProps) {
    super(scope, id);
    if (path.isAbsolute(props.caDirectory) || path.win32.isAbsolute(props.caDirectory)) {
      throw new Error(
        `CacertsSecret ${props.clusterName}: caDirectory "${props.caDirectory}" is absolute; give it relative to the project directory (certificateAuthority.directory: ca) so cdktf.out carries no machine path`,
      );
    }
    this.sourceFiles = clusterCaFiles(props.projectDirectory, props.caDirectory, props.clusterName);
    this.secret = new SecretV1(this, "secret", {
      metadata: { name: CACERTS_SECRET_NAME, namespace: ISTIO_SYSTEM_NAMESPACE },
      // The provider base64-encodes `data` values itself, so the PEM text goes in as it is.
      data: Object.fromEntries(Object.entries(this.sourceFiles).map(([key, file]) => [key, Fn.file(file)])),
      dependsOn: [props.namespaceDependency],
    });
  }
}
