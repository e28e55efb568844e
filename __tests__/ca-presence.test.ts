import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadMeshConfig } from "../config/load";
import { CLUSTER_CA_FILES } from "../constructs/names";
import { resourcesOf, synthApp, StackJson } from "./helpers/synth";
import { hasTerraform } from "./helpers/terraform";

/**
 * A deploy without the mesh CA must stop at the first plan of the first stage, before any VPC or
 * cluster exists, and say what fixes it; synth without a CA stays green (CI has none).
 */
const mesh = loadMeshConfig().spec;
const { stacks, manifest } = synthApp(mesh);
const networkStacks = mesh.clusters.map((cluster) => `${cluster.name}-network`);

/** The check as Terraform sees it, alone: terraform_data needs no provider, so plan runs offline. */
function checkOnly(stack: StackJson): StackJson {
  const checks = resourcesOf(stack, "terraform_data");
  const used = JSON.stringify(checks);
  const locals = Object.fromEntries(
    Object.entries(stack.locals ?? {}).filter(([name]) => used.includes(`local.${name}`)),
  );
  return { locals, resource: { terraform_data: checks } };
}

function plan(projectDirectory: string, stackName: string): { code: number; output: string } {
  // Where cdktf runs Terraform: cdktf.out/stacks/<stack> inside the project.
  const workingDirectory = path.join(projectDirectory, "cdktf.out", "stacks", stackName);
  mkdirSync(workingDirectory, { recursive: true });
  writeFileSync(path.join(workingDirectory, "main.tf.json"), JSON.stringify(checkOnly(stacks[stackName])));
  const env = {
    ...process.env,
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    TF_DATA_DIR: path.join(workingDirectory, ".terraform"),
  };
  const run = (args: string[]) =>
    execFileSync("terraform", args, { cwd: workingDirectory, env, encoding: "utf8", stdio: "pipe" });
  run(["init", "-input=false", "-backend=false"]);
  try {
    return { code: 0, output: run(["plan", "-input=false", "-no-color", "-lock=false"]) };
  } catch (error) {
    const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
    return { code: status, output: `${stdout}${stderr}`.replace(/\s*│\s*/g, " ") };
  }
}

describe("the mesh CA at deploy time", () => {
  it("is checked in every network stack, the first stage, which depends on nothing", () => {
    for (const name of networkStacks) {
      expect(Object.keys(resourcesOf(stacks[name], "terraform_data"))).toHaveLength(1);
      expect(manifest.stacks[name].dependencies).toEqual([]);
    }
  });

  (hasTerraform || process.env.CI ? describe : describe.skip)("by a real terraform plan", () => {
    let project: string;
    beforeAll(() => (project = mkdtempSync(path.join(tmpdir(), "ca-check-"))));
    afterAll(() => rmSync(project, { recursive: true, force: true }));

    it("stops the plan when any cluster's files are missing, naming them and npm run certs", () => {
      mkdirSync(path.join(project, "ca", "cluster1"), { recursive: true });
      for (const file of CLUSTER_CA_FILES) writeFileSync(path.join(project, "ca", "cluster1", file), "pem");
      const { code, output } = plan(project, "cluster1-network");
      expect(code).not.toBe(0);
      expect(output).toContain("Resource precondition failed");
      // The message as Terraform prints it, after the configuration line it quotes.
      const message = output.slice(output.lastIndexOf("The mesh CA is incomplete")).replace(/\s+/g, " ").trim();
      // cluster1's own files are there; the other cluster's are not, and that stops this stack too.
      expect(message).toBe(
        "The mesh CA is incomplete, so the platform stacks could not create the cacerts secrets; missing: ca/cluster2/ca-cert.pem, ca/cluster2/ca-key.pem, ca/cluster2/cert-chain.pem, ca/cluster2/root-cert.pem. Run npm run certs (or point certificateAuthority.directory at your own CA), then deploy again.",
      );
    });

    it("passes once every cluster's files exist", () => {
      for (const cluster of mesh.clusters) {
        mkdirSync(path.join(project, "ca", cluster.name), { recursive: true });
        for (const file of CLUSTER_CA_FILES) writeFileSync(path.join(project, "ca", cluster.name, file), "pem");
      }
      const { code, output } = plan(project, "cluster2-network");
      expect(output).toContain("1 to add");
      expect(code).toBe(0);
    });
  });
});
