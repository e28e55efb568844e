import { Fn, TerraformResource, TerraformStack, Token } from "cdktf";

/** The import blocks of each stack so far: a stack holds them as one top-level list. */
const importsByStack = new WeakMap<TerraformStack, object[]>();

/**
 * Adopts an object that exists outside Terraform's state into `resource`, when it exists: an
 * import block whose `for_each` holds the id only if `existingIds` (a data source's list, read at
 * plan time) contains it. When the object does not exist, nothing is imported and the resource is
 * created; when the resource is already in state, Terraform skips the import.
 */
export function importIfPresent(resource: TerraformResource, id: string, existingIds: string[]): void {
  const stack = TerraformStack.of(resource);
  const imports = importsByStack.get(stack) ?? [];
  imports.push({
    for_each: Token.asString(Fn.conditional(Fn.contains(existingIds, id), [id], [])),
    to: `${resource.terraformResourceType}.${resource.friendlyUniqueId}`,
    id: "${each.value}",
  });
  importsByStack.set(stack, imports);
  stack.addOverride("import", imports);
}
