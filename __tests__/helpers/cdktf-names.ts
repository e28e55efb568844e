/**
 * Names cdktf makes up for what it generates (cdktf 0.21): the remote-state data source and the
 * output behind a cross-stack reference, and the hash suffix of a construct's Terraform id. Tests
 * match them only through these helpers, so a cdktf upgrade that renames them is fixed here.
 */

/** The `terraform_remote_state` data source through which a stack reads `fromStack`'s outputs. */
export const remoteStateName = (fromStack: string) => `cross-stack-reference-input-${fromStack}`;

/** `data.terraform_remote_state.<name>.outputs.<output>` (bare, as inside an HCL expression); captures the source stack and output. */
export const REMOTE_STATE_OUTPUT =
  /^data\.terraform_remote_state\.cross-stack-reference-input-([\w-]+)\.outputs\.([\w-]+)$/;

/** Every bare remote-state output reference inside an expression such as `${yamlencode({...})}`. */
export function remoteStateReferences(expression: string): string[] {
  return [...expression.matchAll(/data\.terraform_remote_state\.[\w-]+\.outputs\.[\w-]+/g)].map((match) => match[0]);
}

/** A whole-value reference `${data.terraform_remote_state...outputs.<output>}` to an output of `fromStack` (any stack when omitted). */
export function remoteOutputReference(fromStack = "[\\w-]+", output = "[\\w-]+"): RegExp {
  return new RegExp(
    `^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-${fromStack}\\.outputs\\.${output}\\}$`,
  );
}

/** A NAT gateway's Elastic IP as read from a network stack: `${...outputs.<...public_ip>}/32`. */
export const NAT_ADDRESS_REFERENCE =
  /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-[a-z0-9-]+-network\.outputs\.[^}]+public_ip\}\/32$/;

/** A regex source for the Terraform id cdktf gives a construct at `path` below its stack: the ids joined by `_`, then a hash. */
export const hashedIdSource = (...path: string[]) => `${path.join("_")}_[0-9A-F]{8}`;
