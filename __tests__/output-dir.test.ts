import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { outputDirectoryProblem } from "../config/project";
import { PROJECT_DIR } from "./helpers/synth";
import { TS_NODE_ARGS } from "./helpers/run-ts";

/**
 * `cdktf synth --output DIR` (CDKTF_OUTDIR for the app): Terraform runs each stack in
 * DIR/stacks/<stack> and must still find the project's local state files and CA files from there.
 */
const run = promisify(execFile);
const insideProject = mkdtempSync(path.join(PROJECT_DIR, ".test-out-"));
const outsideProject = mkdtempSync(path.join(tmpdir(), "mesh-outdir-"));
afterAll(() => {
  for (const dir of [insideProject, outsideProject]) rmSync(dir, { recursive: true, force: true });
});

async function synthTo(outdir: string) {
  const { stdout } = await run(process.execPath, [...TS_NODE_ARGS, "main.ts"], {
    cwd: PROJECT_DIR,
    env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" },
  });
  const stackDir = path.join(outdir, "stacks", "cluster1-platform");
  const stack = readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8");
  const json = JSON.parse(stack);
  const caFile = /file\(\\"([^"\\]+\/cluster1\/ca-cert\.pem)\\"\)/.exec(stack)?.[1];
  return {
    stdout,
    statePath: json.terraform.backend.local.path as string,
    caFile: caFile!,
    /** Where Terraform, working in the stack's folder, finds a relative path. */
    fromStack: (relative: string) => path.resolve(stackDir, relative),
  };
}

describe("the output directory", () => {
  const shallow = synthTo(insideProject);
  const deep = synthTo(path.join(insideProject, "build", "nested", "cdktf.out"));
  const outside = synthTo(path.join(outsideProject, "cdktf.out"));

  it("at the top of the project keeps the paths of the default cdktf.out", async () => {
    const { statePath, caFile, stdout } = await shallow;
    expect(statePath).toBe("../../../terraform.cluster1-platform.tfstate");
    expect(caFile).toBe("../../../ca/cluster1/ca-cert.pem");
    expect(stdout).not.toContain("outside the project");
  });

  it.each([
    ["deeper inside the project", deep],
    ["outside the project", outside],
  ])("%s: state and CA paths still lead to the project's files", async (_where, synth) => {
    const { statePath, caFile, fromStack } = await synth;
    expect(fromStack(statePath)).toBe(path.join(PROJECT_DIR, "terraform.cluster1-platform.tfstate"));
    expect(fromStack(caFile)).toBe(path.join(PROJECT_DIR, "ca", "cluster1", "ca-cert.pem"));
  });

  it("outside the project, warns that the output works on this machine only", async () => {
    const { stdout } = await outside;
    expect(stdout).toContain(
      `WARN: the output directory ${path.join(outsideProject, "cdktf.out")} is outside the project ${PROJECT_DIR}`,
    );
    expect(stdout).toContain("or synthesize inside the project (the default cdktf.out, or --output build/cdktf.out)");
  });
});

describe("an output directory outside a project whose path Terraform strings cannot hold", () => {
  it.each([
    ['/home/me/my "quoted" project', "holds a quote or a backslash"],
    ["/home/me/mesh-${x}", 'holds "${" or "%{", which Terraform would read as a template'],
  ])("is refused for %s, naming the path the stacks would use and the fix", (projectDir, hazard) => {
    const problem = outputDirectoryProblem("/tmp/elsewhere/cdktf.out", projectDir);
    expect(problem?.path).toBe("the output directory");
    expect(problem?.value).toBe("/tmp/elsewhere/cdktf.out");
    expect(problem?.message).toContain(
      `reach the project through ../../../../..${projectDir}, and that path ${hazard}`,
    );
    expect(problem?.message).toContain("synthesize inside the project");
  });

  it("is accepted inside such a project, where the path names no folder", () => {
    expect(
      outputDirectoryProblem('/home/me/my "quoted" project/build/cdktf.out', '/home/me/my "quoted" project'),
    ).toBeUndefined();
    expect(outputDirectoryProblem("/tmp/elsewhere/cdktf.out", "/home/me/plain")).toBeUndefined();
  });
});
