import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { loadMeshConfig } from "../../config/load";
import type { MeshSpec } from "../../config/spec";
import { buildMesh } from "../../constructs/mesh";
import { readSynthesizedStacks } from "../../scripts/terraform-addresses";

/** Synthesized Terraform JSON of one stack. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StackJson = Record<string, any>;

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
export const example = (name: string) => path.join(PROJECT_DIR, "examples", name);

/** What `cdktf synth` writes: every stack's Terraform JSON and the manifest (stack dependencies). */
export interface SynthOutput {
  readonly stacks: Record<string, StackJson>;
  readonly manifest: { stacks: Record<string, { dependencies: string[] }> };
  /** Every file of the output directory (stacks, manifest, assets), by path relative to it. */
  readonly files: Record<string, string>;
}

/** Synthesizes a mesh the way `cdktf synth` does (App.synth to an output directory) and reads it back. */
export function synthApp(spec: MeshSpec): SynthOutput {
  return synthWith((app) => buildMesh(app, spec));
}

/** Synthesizes whatever `build` adds to a fresh App, to an output directory, and reads it back. */
export function synthWith(build: (app: App) => void): SynthOutput {
  const outdir = mkdtempSync(path.join(tmpdir(), "mesh-synth-"));
  try {
    const app = new App({ outdir, stackTraces: false });
    build(app);
    app.synth();
    return {
      stacks: readSynthesizedStacks(outdir),
      manifest: JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8")),
      files: readTree(outdir),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function readTree(root: string, relative = ""): Record<string, string> {
  return Object.assign(
    {},
    ...readdirSync(path.join(root, relative)).map((name) => {
      const file = path.join(relative, name);
      return statSync(path.join(root, file)).isDirectory()
        ? readTree(root, file)
        : { [file]: readFileSync(path.join(root, file), "utf8") };
    }),
  );
}

/** Every stack's Terraform JSON, by stack name. */
export function synthMesh(spec: MeshSpec): Record<string, StackJson> {
  return synthApp(spec).stacks;
}

export function synthExample(name: string): Record<string, StackJson> {
  return synthMesh(loadMeshConfig(example(name)).spec);
}

/** All resources of one type in a stack, by Terraform logical id. */
export function resourcesOf(stack: StackJson, type: string): Record<string, StackJson> {
  return stack.resource?.[type] ?? {};
}

export function dataOf(stack: StackJson, type: string): Record<string, StackJson> {
  return stack.data?.[type] ?? {};
}
