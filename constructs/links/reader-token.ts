import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ISTIO_SYSTEM_NAMESPACE } from "../names";

/**
 * The account other clusters' istiod read this cluster's services and endpoints with. In Istio
 * 1.31 the base chart creates it (templates/reader-serviceaccount.yaml) and the istiod chart binds
 * it to its ClusterRole (templates/reader-clusterrole*.yaml), both under global.enableReaderRBAC.
 */
export const ISTIO_READER_SERVICE_ACCOUNT = "istio-reader-service-account";
export const READER_TOKEN_SECRET_NAME = `${ISTIO_READER_SERVICE_ACCOUNT}-token`;
export const SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token";
/** The annotation that tells the token controller which service account the secret's token is for. */
export const SERVICE_ACCOUNT_NAME_ANNOTATION = "kubernetes.io/service-account.name";

export interface ReaderTokenProps {
  /**
   * Name of the token secret.
   * @default READER_TOKEN_SECRET_NAME
   */
  readonly secretName?: string;
  /**
   * A resource whose replacement replaces the secret, and with it the token (the token controller
   * mints a new one for the new secret; the old token dies with the old secret).
   * @default nothing: the token lives as long as the secret
   */
  readonly replaceTriggeredBy?: ITerraformDependable & { readonly fqn: string };
  /**
   * What creates the service account and its RBAC: the istio-base and istiod releases. A token
   * secret for an account that does not exist yet is deleted by the token controller.
   */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * A long-lived token of the istio reader service account, for the other clusters' remote secrets.
 * Kubernetes >= 1.24 no longer creates one per service account (the reason `istioctl x
 * create-remote-secret` stopped working without one), so the cluster mints it into this secret.
 *
 * The token exists only once Terraform applies the secret and lives in state only: `token` is a
 * reference, and cdktf passes it to other stacks through a sensitive output.
 */
export class ReaderToken extends Construct {
  public readonly secret: SecretV1;
  /** The bearer token, known at apply time; the provider returns it decoded. */
  public readonly token: string;

  constructor(scope: Construct, id: string, props: ReaderTokenProps) {
    super(scope, id);
    this.secret = new SecretV1(this, "secret", {
      metadata: {
        name: props.secretName ?? READER_TOKEN_SECRET_NAME,
        namespace: ISTIO_SYSTEM_NAMESPACE,
        annotations: { [SERVICE_ACCOUNT_NAME_ANNOTATION]: ISTIO_READER_SERVICE_ACCOUNT },
      },
      type: SERVICE_ACCOUNT_TOKEN_TYPE,
      // Without the wait, `data` may be read back before the token controller fills it in.
      waitForServiceAccountToken: true,
      dependsOn: props.dependsOn,
      lifecycle: props.replaceTriggeredBy ? { replaceTriggeredBy: [props.replaceTriggeredBy] } : undefined,
    });
    this.token = this.secret.getStringAttribute("data.token");
  }
}
