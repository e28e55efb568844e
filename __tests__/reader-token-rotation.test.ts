import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { validateMeshConfig } from "../config/load";
import { tokenRotationProblems } from "../config/rules/token-rotation";
import { example, resourcesOf, StackJson, synthMesh } from "./helpers/synth";
import { hasTerraform } from "./helpers/terraform";

const exampleConfig = parse(readFileSync(example("two-clusters.yaml"), "utf8"));
const withRotation = (tokenRotationDays?: number) =>
  validateMeshConfig(
    tokenRotationDays === undefined ? exampleConfig : { ...exampleConfig, remoteSecrets: { tokenRotationDays } },
    "test config",
  ).spec;

describe("reader token rotation, by default every 30 days", () => {
  const stacks = synthMesh(withRotation());
  const platform: StackJson = stacks["cluster1-platform"];
  const secrets = resourcesOf(platform, "kubernetes_secret_v1");
  const rotations = resourcesOf(platform, "time_rotating");
  const generations = resourcesOf(platform, "terraform_data");
  const byPath = (resources: Record<string, StackJson>, suffix: string) => {
    const found = Object.entries(resources).filter(([, json]) => json["//"].metadata.path.endsWith(suffix));
    expect(found).toHaveLength(1);
    return { address: found[0][0], json: found[0][1] };
  };
  const first = byPath(secrets, "/istio-reader-token/secret");
  const second = byPath(secrets, "/istio-reader-token-b/secret");
  const rotationA = byPath(rotations, "/rotation-a");
  const rotationB = byPath(rotations, "/rotation-b");

  it("keeps the single token's secret, name and address as slot a, and adds slot b beside it", () => {
    expect(first.address).toBe("istio-reader-token_secret_B60D57A8");
    expect(first.json.metadata.name).toBe("istio-reader-service-account-token");
    expect(second.json.metadata.name).toBe("istio-reader-service-account-token-b");
    for (const secret of [first, second]) {
      expect(secret.json.type).toBe("kubernetes.io/service-account-token");
      expect(secret.json.metadata.annotations).toEqual({
        "kubernetes.io/service-account.name": "istio-reader-service-account",
      });
      expect(secret.json.depends_on).toEqual(first.json.depends_on);
    }
  });

  it("gives each slot two periods, slot b based one period after slot a and never moved by a's rotations", () => {
    expect(rotationA.json.rotation_days).toBe(60);
    expect(rotationA.json.rfc3339).toBeUndefined();
    expect(rotationB.json.rotation_days).toBe(60);
    expect(rotationB.json.rfc3339).toBe(`\${timeadd(time_rotating.${rotationA.address}.rfc3339, "720h")}`);
    expect(rotationB.json.lifecycle).toEqual({ ignore_changes: ["rfc3339"] });
  });

  it("replaces each slot's secret when its own rotation comes round, through a terraform_data (time_rotating rotates as a create)", () => {
    for (const [secret, rotation, slot] of [
      [first, rotationA, "a"],
      [second, rotationB, "b"],
    ] as const) {
      const generation = byPath(generations, `/generation-${slot}`);
      expect(generation.json.triggers_replace).toEqual({ rotation: `\${time_rotating.${rotation.address}.id}` });
      expect(secret.json.lifecycle).toEqual({ replace_triggered_by: [`\${terraform_data.${generation.address}}`] });
    }
  });

  it("sends the other clusters' mesh-links stacks the kubeconfig, never a token in cdktf.out", () => {
    const links = JSON.stringify(stacks["cluster2-mesh-links"]);
    expect(links).toContain("remote-kubeconfig");
    expect(links).not.toMatch(/time_rotating|istio-reader-service-account-token/);
  });

  /** The kubeconfig expression with its references set: which token would the other clusters get? */
  function publishedToken(aTurnsAt: string, bTurnsAt: string): string {
    const filled = (platform.locals["remote-kubeconfig"] as string)
      .replace(/data\.aws_eks_cluster\.[\w-]+\.endpoint/g, '"https://cluster1.example.test"')
      .replace(/data\.aws_eks_cluster\.[\w-]+\.certificate_authority\[0\]\.data/g, '"Q0E="')
      .replace(`kubernetes_secret_v1.${first.address}.data.token`, '"token-of-slot-a"')
      .replace(`kubernetes_secret_v1.${second.address}.data.token`, '"token-of-slot-b"')
      .replace(`time_rotating.${rotationA.address}.rotation_rfc3339`, JSON.stringify(aTurnsAt))
      .replace(`time_rotating.${rotationB.address}.rotation_rfc3339`, JSON.stringify(bTurnsAt));
    expect(filled).not.toMatch(/(^|[^"\w])(data|kubernetes_secret_v1|time_rotating|local)\./);
    return filled;
  }

  (hasTerraform ? it : it.skip)(
    "publishes the slot that turns later, the newer token, as terraform evaluates it",
    () => {
      const cases = {
        // First deploy: both new, b turns a period after a.
        fresh: publishedToken("2027-01-30T10:00:00Z", "2027-03-01T10:00:00Z"),
        // a has just turned: a is the newer token.
        afterA: publishedToken("2027-03-31T10:05:00Z", "2027-03-01T10:00:00Z"),
        // Seconds apart still decide.
        close: publishedToken("2027-03-01T10:00:01Z", "2027-03-01T10:00:00Z"),
      };
      const moduleDir = mkdtempSync(path.join(tmpdir(), "reader-token-tf-"));
      try {
        const output = Object.fromEntries(Object.entries(cases).map(([name, value]) => [name, { value }]));
        writeFileSync(path.join(moduleDir, "main.tf.json"), JSON.stringify({ output }));
        const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" };
        const terraform = (...args: string[]) =>
          execFileSync("terraform", args, { cwd: moduleDir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        terraform("init", "-input=false", "-backend=false");
        terraform("apply", "-auto-approve", "-input=false");
        const evaluated = JSON.parse(terraform("output", "-json"));
        const token = (name: string) => parse(evaluated[name].value).users[0].user.token;
        expect([token("fresh"), token("afterA"), token("close")]).toEqual([
          "token-of-slot-b",
          "token-of-slot-a",
          "token-of-slot-a",
        ]);
      } finally {
        rmSync(moduleDir, { recursive: true, force: true });
      }
    },
  );

  it("fails under CI when terraform is missing rather than skipping the evaluation", () => {
    if (process.env.CI === "true") expect(hasTerraform).toBe(true);
  });
});

describe("reader token rotation off (remoteSecrets.tokenRotationDays: 0)", () => {
  const platform = synthMesh(withRotation(0))["cluster1-platform"];

  it("keeps one token that never changes, exactly as before rotation existed", () => {
    expect(resourcesOf(platform, "time_rotating")).toEqual({});
    const secrets = Object.values(resourcesOf(platform, "kubernetes_secret_v1")).filter(
      (secret) => secret.type === "kubernetes.io/service-account-token",
    );
    expect(secrets).toHaveLength(1);
    expect(secrets[0].lifecycle).toBeUndefined();
    expect(platform.locals["remote-kubeconfig"]).not.toContain("time_rotating");
  });
});

describe("the config of token rotation", () => {
  it("defaults to 30 days and takes 0 to turn it off", () => {
    expect(withRotation().readerTokenRotationDays).toBe(30);
    expect(withRotation(0).readerTokenRotationDays).toBe(0);
  });

  it("rejects a negative or fractional period, naming the field", () => {
    expect(() => withRotation(-1)).toThrow("remoteSecrets.tokenRotationDays -1 must not be negative");
    expect(() => withRotation(1.5)).toThrow("remoteSecrets.tokenRotationDays 1.5 must be a whole number");
  });

  it("rejects Istio releases older than 1.30.0 while rotation is on, by field, with both fixes", () => {
    // As if the version table still listed 1.29 (today it rejects 1.29 by itself).
    const listed = () => false;
    const problems = tokenRotationProblems(
      { version: "1.29.6", revisions: [{ version: "1.30.0" }, { version: "1.29.0" }] },
      30,
      listed,
    );
    expect(problems.map((problem) => [problem.path, problem.value])).toEqual([
      ["istio.version", "1.29.6"],
      ["istio.revisions[1].version", "1.29.0"],
    ]);
    expect(problems[0].message).toContain("use 1.30.0 or later, or set remoteSecrets.tokenRotationDays: 0");
    // The default period counts as on; 0 is off; supported releases pass.
    expect(tokenRotationProblems({ version: "1.29.6" }, undefined, listed)).toHaveLength(1);
    expect(tokenRotationProblems({ version: "1.29.6" }, 0, listed)).toEqual([]);
    expect(tokenRotationProblems({ version: "1.30.0" }, 30, listed)).toEqual([]);
    expect(tokenRotationProblems({ version: "1.31.1" }, 30, listed)).toEqual([]);
    expect(tokenRotationProblems({ version: "2.0.0" }, 30, listed)).toEqual([]);
    // An unsupported minor has its own problem, from the version table: one problem, not two.
    expect(tokenRotationProblems({ version: "1.29.6" }, 30)).toEqual([]);
  });
});
