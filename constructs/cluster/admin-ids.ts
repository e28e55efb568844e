/**
 * Construct ids of the cluster-admin access entries, derived from the principal's ARN, which is its
 * stable identity. Injective: `role/team/x`, `role/team-x` and `role/team.x` get different ids.
 */

/** Characters kept as they are; every other one is escaped, so no two ARNs share an id. */
const KEPT = /[A-Za-z0-9-]/;

/** `_` and two hex digits per escaped character: `_` itself is never kept, so escapes cannot be confused. */
function escapeName(name: string): string {
  return [...name]
    .map((char) => (KEPT.test(char) ? char : `_${char.charCodeAt(0).toString(16).padStart(2, "0")}`))
    .join("");
}

/** `arn:aws:iam::<account>:<role|user>/<path and name>`, as the config schema accepts it. */
function partsOf(principalArn: string): { account: string; type: string; name: string } {
  const [, , , , account, resource] = principalArn.split(":");
  const slash = resource.indexOf("/");
  return { account, type: resource.slice(0, slash), name: resource.slice(slash + 1) };
}

/** The id of a principal's access entry: `admin-<account>-<role|user>-<escaped path and name>`. */
export function adminEntryId(principalArn: string): string {
  const { account, type, name } = partsOf(principalArn);
  return `admin-${account}-${type}-${escapeName(name)}`;
}

/**
 * The id earlier versions gave the entry: every character but letters, digits and `-` became `-`,
 * which made `role/team/x` and `role/team-x` collide. Where it differs from adminEntryId, the
 * entry's state moves from it.
 */
export function legacyAdminEntryId(principalArn: string): string {
  return `admin-${principalArn
    .split(":")
    .slice(4)
    .join("-")
    .replace(/[^A-Za-z0-9-]/g, "-")}`;
}
