import { Construct } from "constructs";
import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import type { IstioRevisionSpec } from "../../config/spec";
import { allowedTagSources } from "./revision-plan";
import { REVISION_LABEL, TAG_LABEL } from "../names";

/** The kind and API of the tag webhooks the istiod chart renders (templates/revision-tags-mwc.yaml). */
export const TAG_WEBHOOK_API_VERSION = "admissionregistration.k8s.io/v1";
export const TAG_WEBHOOK_KIND = "MutatingWebhookConfiguration";

export interface RevisionTagGuardProps {
  /** The configured revisions, with their tags. */
  readonly revisions: readonly IstioRevisionSpec[];
}

/**
 * Stops a plan that would break a revision tag, judged against the cluster rather than against a
 * previous config (which synth cannot see): it lists the tag webhooks in the cluster at plan time
 * and fails when a tag points at a revision this change removes, or would move from a revision
 * whose release is applied after the tag's new one (see revision-plan.ts). Nothing is created:
 * a data source with a postcondition, read at plan time because it depends on nothing.
 */
export class RevisionTagGuard extends Construct {
  public readonly webhooks: DataKubernetesResources;

  constructor(scope: Construct, id: string, props: RevisionTagGuardProps) {
    super(scope, id);
    const { condition, errorMessage } = tagGuardExpressions("self.objects", props.revisions);
    this.webhooks = new DataKubernetesResources(this, "tag-webhooks", {
      apiVersion: TAG_WEBHOOK_API_VERSION,
      kind: TAG_WEBHOOK_KIND,
      labelSelector: TAG_LABEL,
      lifecycle: { postcondition: [{ condition, errorMessage }] },
    });
  }
}

/** An HCL literal of a string or a string list (JSON is valid HCL for both). */
const hcl = (value: unknown) => JSON.stringify(value);

/**
 * The guard's condition and message as Terraform expressions over `objects`, a list of Kubernetes
 * objects with metadata.labels (the data source's `self.objects`; tests pass a local).
 */
export function tagGuardExpressions(
  objects: string,
  revisions: readonly IstioRevisionSpec[],
): { condition: string; errorMessage: string } {
  const configured = `tolist(${hcl(revisions.map((revision) => revision.name))})`;
  // Lists converted one by one: tomap alone would type equal-length lists as tuples, unlike the default.
  const entries = Object.entries(allowedTagSources(revisions)).map(
    ([tag, from]) => `${hcl(tag)} = tolist(${hcl(from)})`,
  );
  const allowed = `tomap({ ${entries.join(", ")} })`;
  const tagOf = `o.metadata.labels[${hcl(TAG_LABEL)}]`;
  const revisionOf = `lookup(o.metadata.labels, ${hcl(REVISION_LABEL)}, "")`;
  const safe = `contains(lookup(${allowed}, ${tagOf}, ${configured}), ${revisionOf})`;
  const removed = `"which this change removes: keep the revision until no tag points at it (move the tag in one deploy, remove the revision in the next)"`;
  const misordered = `"and its new revision's release is applied first (revisions with no tag first, then newer versions): in this change also move every other tag off that revision"`;
  const reason = `contains(${configured}, ${revisionOf}) ? ${misordered} : ${removed}`;
  return {
    condition: `\${alltrue([for o in ${objects} : ${safe}])}`,
    errorMessage: `\${join("; ", [for o in ${objects} : format("revision tag %s points at revision %s in this cluster, %s", ${tagOf}, ${revisionOf}, ${reason}) if !(${safe})])}`,
  };
}
