import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { validateMeshConfig } from "../config/load";
import { MESH_INVARIANTS } from "../config/rules/helm-values";
import { HELM_RELEASE_KEYS } from "../config/schema";
import { BadInput, Config, expectProblem, problemLinesOf, validConfig } from "./helpers/config-problems";
import { StackJson, resourcesOf, synthMesh } from "./helpers/synth";
import { evaluateOutputs, hasTerraform } from "./helpers/terraform";

/**
 * The user's Helm overrides: they reach Helm literally (Terraform evaluates no template in them),
 * and they cannot replace the values that hold the mesh together.
 */

const validate = (config: Config) => validateMeshConfig(config, "MESH_CONFIG test.yaml");

/** Helm release names by config key, as the synthesized helm_release resources name them. */
const RELEASE_NAMES: Readonly<Record<string, string>> = {
  metricsServer: "metrics-server",
  loadBalancerController: "aws-load-balancer-controller",
  istioBase: "istio-base",
  istiod: "istiod",
  ingressGateway: "istio-ingressgateway",
  eastWestGateway: "istio-eastwestgateway",
  meshManifests: "mesh-manifests",
};

/** The computed values of one release in one stack, as Helm would read them. */
function valuesOf(stack: StackJson, releaseName: string): Record<string, unknown> {
  const release = Object.values(resourcesOf(stack, "helm_release")).find((r) => r.name === releaseName);
  if (!release) throw new Error(`no helm_release ${releaseName}`);
  return parse(release.values[0]);
}

const setAt = (target: Config, keys: readonly (string | number)[], value: unknown) => {
  let current = target;
  for (const key of keys.slice(0, -1)) current = current[key] ??= {};
  current[keys[keys.length - 1]] = value;
};

describe("an override of a value that holds the mesh together", () => {
  const cases = MESH_INVARIANTS.flatMap((invariant, index) => {
    const where = index % 2 === 0 ? ["helmValues"] : ["clusters", 1, "helmValues"];
    const shown = index % 2 === 0 ? "helmValues" : "clusters[1].helmValues";
    return [[`${invariant.release}.${invariant.path.join(".")}`, invariant, where, shown] as const];
  });

  it.each(cases)("%s is rejected, naming what owns it", (_name, invariant, where, shown) => {
    const config = validConfig();
    setAt(config, [...where, invariant.release, ...invariant.path], "split");
    const bad: BadInput = {
      name: invariant.path.join("."),
      path: `${shown}.${invariant.release}.${invariant.path.join(".")}`,
      value: "split",
      fix: `is ${invariant.owner}; overriding it would split the mesh: remove it from helmValues`,
    };
    expectProblem(
      problemLinesOf(() => validate(config)),
      bad,
    );
  });

  it("is rejected when a scalar replaces the mapping that holds it", () => {
    const config = validConfig();
    config.helmValues = { istiod: { global: "none" } };
    expect(problemLinesOf(() => validate(config))).toEqual(
      expect.arrayContaining([
        'helmValues.istiod.global "none" replaces istiod.global.meshID, which is set by meshId; overriding it would split the mesh: remove it from helmValues',
      ]),
    );
  });

  it("leaves other values of the same mappings alone", () => {
    const config = validConfig();
    config.helmValues = {
      istiod: { global: { hub: "registry.example.com/istio", logging: { level: "default:debug" } } },
      eastWestGateway: { labels: { team: "mesh" }, service: { annotations: { a: "b" } } },
    };
    expect(validate(config).spec.clusters[0].helmValues.istiod).toHaveProperty("global.hub");
  });

  it("names only values the program sets (or the chart derives from them)", () => {
    const config = validConfig();
    const stacks = synthMesh(validate(config).spec);
    // Set only with revisions (istio.revisions, gatewayTag), or by the chart from networkGateway.
    const conditional = new Set(["revision", "revisionTags", "labels.topology.istio.io/network"]);
    for (const invariant of MESH_INVARIANTS.filter((i) => !conditional.has(i.path.join(".")))) {
      const values = valuesOf(stacks["cluster1-platform"], RELEASE_NAMES[invariant.release]);
      let value: unknown = values;
      for (const segment of invariant.path) value = (value as Record<string, unknown> | undefined)?.[segment];
      expect({ invariant: invariant.path.join("."), set: value !== undefined }).toEqual({
        invariant: invariant.path.join("."),
        set: true,
      });
    }
  });
});

describe("a value the chart never reads", () => {
  it("istiod's pilot section, at either level, is rejected with where its values go", () => {
    const config = validConfig();
    config.helmValues = { istiod: { pilot: { resources: { requests: { cpu: "1" } } } } };
    config.clusters[1].helmValues = { istiod: { pilot: { env: { A: "b" } } } };
    const lines = problemLinesOf(() => validate(config));
    for (const [path, value] of [
      ["helmValues.istiod.pilot", config.helmValues.istiod.pilot],
      ["clusters[1].helmValues.istiod.pilot", config.clusters[1].helmValues.istiod.pilot],
    ]) {
      expectProblem(lines, {
        name: path,
        path,
        value,
        fix: "is ignored by Istio's istiod chart, which takes its values at the top level: move what is under pilot up one level (pilot.resources becomes resources)",
      });
    }
  });

  it("the same values at the top level, as the chart reads them, pass", () => {
    const config = validConfig();
    config.helmValues = { istiod: { resources: { requests: { cpu: "1" } }, env: { A: "b" } } };
    expect(() => validate(config)).not.toThrow();
  });
});

describe("a cdktf token marker in a Helm value", () => {
  it.each([
    ["a value", { istiod: { env: { X: "${TfToken[TOKEN.1]}" } } }, "helmValues.istiod.env.X", "${TfToken[TOKEN.1]}"],
    [
      "a key",
      { meshManifests: { "&{TfToken[TOKEN.2]}": 1 } },
      "helmValues.meshManifests.&{TfToken[TOKEN.2]}",
      undefined,
    ],
  ])("in %s is rejected", (_name, helmValues, fieldPath, value) => {
    const config = validConfig();
    config.helmValues = helmValues;
    expectProblem(
      problemLinesOf(() => validate(config)),
      { name: fieldPath, path: fieldPath, value, fix: "which synth would replace" },
    );
  });
});

/** Strings Terraform would evaluate if they reached its JSON unescaped. */
const TEMPLATES = {
  file: '${file("/etc/hostname")}',
  number: "${1}",
  variable: "${var.x}",
  directive: "%{ if true }yes%{ endif }",
  alreadyEscaped: "$${kept} %%{kept}",
  mixed: 'a ${"b"} c %{ for x in [1] }${x}%{ endfor }',
  "key ${1} %{ if true }": "in a key",
};

const runTerraform = hasTerraform || process.env.CI === "true";

(runTerraform ? describe : describe.skip)("template sequences in Helm values, evaluated by terraform", () => {
  const config = validConfig();
  // Under global, which every chart's schema leaves open (the gateway and mesh charts allow no other new key).
  config.helmValues = Object.fromEntries(HELM_RELEASE_KEYS.map((key) => [key, { global: { meshWide: TEMPLATES } }]));
  config.clusters[1].helmValues = {
    istiod: { global: { perCluster: TEMPLATES } },
    meshManifests: { global: { perCluster: TEMPLATES } },
  };
  const stacks = synthMesh(validate(config).spec);

  // Every helm_release's values as Terraform computes them, in a module with no provider.
  const outputs: Record<string, { value: string }> = {};
  for (const [stackName, stack] of Object.entries(stacks)) {
    for (const release of Object.values(resourcesOf(stack, "helm_release"))) {
      // The one reference this program puts in values; a fake stands in for the data source.
      const value = (release.values[0] as string).replace(
        /\$\{data\.aws_eks_cluster\.[\w-]+\.vpc_config\[0\]\.vpc_id\}/g,
        "vpc-0123456789abcdef0",
      );
      outputs[`${stackName}__${release.name}`] = { value };
    }
  }
  const evaluated = evaluateOutputs<string>(outputs, "helm-templates-tf-");
  const helmSees = (stack: string, key: string) => parse(evaluated[`${stack}__${RELEASE_NAMES[key]}`].value);

  it.each(HELM_RELEASE_KEYS.map((key) => [key]))("reach %s literally, mesh-wide, in every cluster", (key) => {
    for (const cluster of ["cluster1", "cluster2"]) {
      expect(helmSees(`${cluster}-platform`, key).global.meshWide).toEqual(TEMPLATES);
    }
  });

  it("reach istiod and the mesh chart literally from one cluster's helmValues, in that cluster only", () => {
    for (const key of ["istiod", "meshManifests"]) {
      expect(helmSees("cluster2-platform", key).global.perCluster).toEqual(TEMPLATES);
      expect(helmSees("cluster1-platform", key).global.perCluster).toBeUndefined();
    }
  });

  it("never read the deploying machine's files", () => {
    const hostname = (() => {
      try {
        return readFileSync("/etc/hostname", "utf8").trim();
      } catch {
        return undefined;
      }
    })();
    const everything = JSON.stringify(evaluated);
    expect(everything).toContain('${file(\\"/etc/hostname\\")}');
    if (hostname) expect(everything).not.toMatch(new RegExp(`meshWide[^]*file: ${hostname}\\b`));
  });

  it("leave the program's own references working", () => {
    expect(helmSees("cluster1-platform", "loadBalancerController").vpcId).toBe("vpc-0123456789abcdef0");
  });
});
