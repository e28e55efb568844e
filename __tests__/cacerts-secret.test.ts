import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { CacertsSecret } from "../constructs/trust/cacerts-secret";
import { PROJECT_DIR_FROM_STACK } from "../constructs/names";
import { localStatePath } from "../constructs/stacks/stack-base";
import { PROJECT_DIR, resourcesOf, StackJson } from "./helpers/synth";
import { hasTerraform, needs } from "./helpers/terraform";

const KEYS = ["ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"];

/** Every file cdktf wrote, as text, by path inside the output directory. */
function outputFiles(outdir: string): Record<string, string> {
  return Object.fromEntries(
    (readdirSync(outdir, { recursive: true }) as string[])
      .filter((name) => statSync(path.join(outdir, name)).isFile())
      .map((name) => [name, readFileSync(path.join(outdir, name), "utf8")]),
  );
}

describe("CacertsSecret", () => {
  // A stand-in project: cdktf.out inside it, and a CA directory next to that, as in the real project.
  const project = mkdtempSync(path.join(tmpdir(), "mesh-cacerts-"));
  const outdir = path.join(project, "cdktf.out");
  const app = new App({ outdir });
  // Each stack with the program's relative local state path: cdktf's default backend path is absolute.
  const stack = new TerraformStack(app, "cluster1-platform");
  new LocalBackend(stack, { path: localStatePath("cluster1-platform") });
  new KubernetesProvider(stack, "kubernetes", {});
  const namespace = new NamespaceV1(stack, "istio-system", { metadata: { name: "istio-system" } });
  const cacerts = new CacertsSecret(stack, "cacerts", {
    clusterName: "cluster1",
    caDirectory: "ca",
    projectDirectory: PROJECT_DIR_FROM_STACK,
    namespaceDependency: namespace,
  });
  // Stands in for istiod, which the platform stack makes depend on the secret.
  new ConfigMapV1(stack, "istiod", {
    metadata: { name: "istiod", namespace: "istio-system" },
    dependsOn: [cacerts.secret],
  });
  const byoStack = new TerraformStack(app, "cluster2-platform");
  new LocalBackend(byoStack, { path: localStatePath("cluster2-platform") });
  new KubernetesProvider(byoStack, "kubernetes", {});
  const byoNamespace = new NamespaceV1(byoStack, "istio-system", { metadata: { name: "istio-system" } });
  new CacertsSecret(byoStack, "cacerts", {
    clusterName: "cluster2",
    caDirectory: "./../pki/mesh/",
    projectDirectory: PROJECT_DIR_FROM_STACK,
    namespaceDependency: byoNamespace,
  });
  app.synth();

  const files = outputFiles(outdir);
  const stackJson = (name: string): StackJson => JSON.parse(files[path.join("stacks", name, "cdk.tf.json")]);
  const secretOf = (name: string) => Object.values(resourcesOf(stackJson(name), "kubernetes_secret_v1"))[0];
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("is the cacerts secret in istio-system, created after its namespace", () => {
    const secrets = resourcesOf(stackJson("cluster1-platform"), "kubernetes_secret_v1");
    expect(Object.keys(secrets)).toHaveLength(1);
    const secret = secretOf("cluster1-platform");
    expect(secret.metadata).toEqual({ name: "cacerts", namespace: "istio-system" });
    expect(secret.depends_on).toEqual(["kubernetes_namespace_v1.istio-system"]);
  });

  it("reads the four files Istio expects with Terraform's file(), relative to the stack's working directory", () => {
    expect(secretOf("cluster1-platform").data).toEqual(
      Object.fromEntries(KEYS.map((key) => [key, `\${file("../../../ca/cluster1/${key}")}`])),
    );
    expect(secretOf("cluster2-platform").data).toEqual(
      Object.fromEntries(KEYS.map((key) => [key, `\${file("../../../../pki/mesh/cluster2/${key}")}`])),
    );
  });

  it("lets istiod depend on it", () => {
    const istiod = resourcesOf(stackJson("cluster1-platform"), "kubernetes_config_map_v1").istiod;
    const [secretAddress] = Object.keys(resourcesOf(stackJson("cluster1-platform"), "kubernetes_secret_v1"));
    expect(istiod.depends_on).toEqual([`kubernetes_secret_v1.${secretAddress}`]);
  });

  it("puts no key material and no absolute path of this machine in cdktf.out", () => {
    expect(Object.keys(files).length).toBeGreaterThan(0);
    for (const [name, text] of Object.entries(files)) {
      expect([name, text.includes("PRIVATE KEY")]).toEqual([name, false]);
      for (const machinePath of [project, PROJECT_DIR, tmpdir(), homedir()]) {
        expect([name, machinePath, text.includes(`${machinePath}/`)]).toEqual([name, machinePath, false]);
      }
      // No string, nor a quoted argument inside an expression, starts at the filesystem root ("//" keys are cdktf metadata).
      expect([name, text.match(/\\?"\/(?!\/)[^"]*/g)]).toEqual([name, null]);
    }
  });

  it("refuses an absolute CA directory, which would tie cdktf.out to this machine", () => {
    const scratch = new TerraformStack(new App({ outdir: path.join(project, "unused") }), "scratch");
    expect(
      () =>
        new CacertsSecret(scratch, "cacerts", {
          clusterName: "cluster1",
          caDirectory: "/srv/mesh-ca",
          projectDirectory: PROJECT_DIR_FROM_STACK,
          namespaceDependency: namespace,
        }),
    ).toThrow(
      'CacertsSecret cluster1: caDirectory "/srv/mesh-ca" is absolute; give it relative to the project directory',
    );
  });

  (needs("terraform", hasTerraform) ? it : it.skip)(
    "resolves, from where cdktf runs Terraform, to the cluster's files in the project",
    () => {
      for (const key of KEYS) {
        mkdirSync(path.join(project, "ca", "cluster1"), { recursive: true });
        writeFileSync(path.join(project, "ca", "cluster1", key), `${key} of cluster1`);
      }
      // An empty directory beside the stack's: same depth, so the same relative paths, and no providers to install.
      const workingDirectory = path.join(outdir, "stacks", "probe");
      mkdirSync(workingDirectory);
      const expressions = KEYS.map((key) => secretOf("cluster1-platform").data[key].slice(2, -1));
      const output = execFileSync("terraform", ["console"], {
        cwd: workingDirectory,
        input: `join(",", [${expressions.join(", ")}])\n`,
        encoding: "utf8",
        env: { ...process.env, CHECKPOINT_DISABLE: "1" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      expect(output.trim()).toBe(JSON.stringify(KEYS.map((key) => `${key} of cluster1`).join(",")));
    },
  );
});
