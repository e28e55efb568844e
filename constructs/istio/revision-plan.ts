import type { IstioRevisionSpec } from "../../config/spec";

/**
 * In which order the istiod releases of a revisioned install are applied, and which tag moves
 * that order makes safe. A tag's webhook (MutatingWebhookConfiguration istio-revision-tag-<tag>)
 * belongs to the istiod release of the revision it points at, so moving a tag moves the object
 * between two Helm releases: the release losing it must be applied first, or Helm refuses to
 * create an object another release owns. Terraform's order is static, so it is fixed by the
 * config alone: revisions no tag points at first (a tag can always move off a revision it leaves
 * with no tag, which is how a promotion ends), then newer versions before older (a rollback moves
 * a tag back while the canary keeps its own), then by name.
 */

/** The revisions in apply order: each release depends on the ones before it. */
export function applyOrder(revisions: readonly IstioRevisionSpec[]): IstioRevisionSpec[] {
  return [...revisions].sort(
    (a, b) =>
      Number(a.tags.length > 0) - Number(b.tags.length > 0) ||
      compareVersions(b.version, a.version) ||
      a.name.localeCompare(b.name),
  );
}

/**
 * For every configured tag, the revisions it may point at in the cluster before this change: its
 * target, and every revision applied before the target (which drops the tag first). A tag pointing
 * anywhere else, or at a revision no longer configured, makes the plan fail.
 */
export function allowedTagSources(revisions: readonly IstioRevisionSpec[]): Record<string, string[]> {
  const order = applyOrder(revisions);
  return Object.fromEntries(
    order.flatMap((target, position) =>
      target.tags.map((tag) => [tag, order.slice(0, position + 1).map((revision) => revision.name)]),
    ),
  );
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((version) => version.split(".").map(Number));
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}
