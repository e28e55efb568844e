import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { example, synthExample, StackJson } from "./helpers/synth";
import {
  hasAwsProviderMirror,
  initFromMirror,
  MIRRORED_AWS_VERSION,
  needs,
  PLUGIN_DIR,
  terraformIn,
} from "./helpers/terraform";

/**
 * Checks the AWS part of every stack against the real AWS provider schema with `terraform
 * validate`, offline. This machine's local mirror holds AWS provider 5.100.0 only (the bindings
 * target 6.x), so this catches arguments that do not exist or have the wrong shape in either.
 */

const isAws = (type: string) => type.startsWith("aws_");

/** Keeps the AWS provider, its resources and data sources, and the remote state they read. */
function awsPart(stack: StackJson): StackJson {
  const keep = (blocks: Record<string, StackJson> = {}, extra: (type: string) => boolean = () => false) =>
    Object.fromEntries(Object.entries(blocks).filter(([type]) => isAws(type) || extra(type)));
  const resource = keep(stack.resource);
  const data = keep(stack.data, (type) => type === "terraform_remote_state");
  const kept = new Set(
    [
      ...Object.entries(resource),
      ...Object.entries(data).map(([type, blocks]) => [`data.${type}`, blocks] as const),
    ].flatMap(([type, blocks]) => Object.keys(blocks as object).map((name) => `${type}.${name}`)),
  );
  for (const blocks of [...Object.values(resource), ...Object.values(data)]) {
    for (const block of Object.values(blocks as Record<string, StackJson>)) {
      if (block.depends_on) block.depends_on = block.depends_on.filter((dependency: string) => kept.has(dependency));
    }
  }
  return {
    terraform: { required_providers: { aws: { source: "hashicorp/aws", version: MIRRORED_AWS_VERSION } } },
    ...(Object.keys(resource).length ? { resource } : {}),
    ...(Object.keys(data).length ? { data } : {}),
  };
}

(needs(`terraform and its AWS provider ${MIRRORED_AWS_VERSION} in ${PLUGIN_DIR}`, hasAwsProviderMirror)
  ? describe
  : describe.skip)("terraform validate against the AWS provider schema", () => {
  const stacks = synthExample("three-regions.yaml");
  const dir = mkdtempSync(path.join(tmpdir(), "tf-validate-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`accepts the AWS resources of every stack of ${path.basename(example("three-regions.yaml"))}`, () => {
    const modules: Record<string, { source: string }> = {};
    for (const [name, stack] of Object.entries(stacks)) {
      const moduleDir = path.join(dir, name);
      mkdirSync(moduleDir);
      writeFileSync(path.join(moduleDir, "main.tf.json"), JSON.stringify(awsPart(stack)));
      modules[name] = { source: `./${name}` };
    }
    // One provider configuration at the root, inherited by every module: Terraform then starts the
    // provider once, not once per stack. Every stack's provider block has the same shape (a region
    // and default tags); the first one stands for them all.
    const [firstStack] = Object.values(stacks);
    writeFileSync(
      path.join(dir, "main.tf.json"),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: "hashicorp/aws", version: MIRRORED_AWS_VERSION } } },
        provider: { aws: firstStack.provider.aws },
        module: modules,
      }),
    );
    initFromMirror(dir);
    const result = JSON.parse(terraformIn(dir, ["validate", "-json"]).stdout);
    const errors = result.diagnostics
      .filter((diagnostic: StackJson) => diagnostic.severity === "error")
      .map(
        (diagnostic: StackJson) =>
          `${diagnostic.range?.filename ?? ""}: ${diagnostic.summary}: ${diagnostic.detail ?? ""}`,
      );
    expect(errors).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
