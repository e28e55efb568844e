import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { validateMeshConfig } from "../config/load";
import { ISTIO_MINORS, newestPatch } from "../config/istio-versions";
import { chartValueProblems, gatewaySchemaFile, MESH_CHART_SCHEMA_FILE } from "../config/rules/chart-values";
import { UNDERSTOOD_KEYWORDS } from "../config/rules/json-schema-subset";
import { Config, expectProblem, problemLinesOf, validConfig } from "./helpers/config-problems";
import { gatewaySchemaChart, helmAcceptsValues } from "./helpers/helm";
import { PROJECT_DIR } from "./helpers/synth";

/**
 * Helm overrides of the charts with a values.schema.json (Istio's gateway chart, the mesh chart):
 * Helm checks the schema only when it installs, after the clusters exist, so synth checks it first.
 */

const validate = (config: Config) => validateMeshConfig(config, "MESH_CONFIG test.yaml");
const withOverride = (release: string, values: unknown, istioVersion?: string): Config => ({
  ...validConfig(),
  ...(istioVersion ? { istio: { version: istioVersion } } : {}),
  helmValues: { [release]: values },
});

describe("an override the chart's schema refuses", () => {
  it.each([
    {
      name: "a misspelled gateway value, with the key it resembles",
      config: withOverride("ingressGateway", { replicas: 3 }),
      path: "helmValues.ingressGateway.replicas",
      fix: `is not a value of Istio 1.31's gateway chart, and Helm would refuse the install after the clusters exist: did you mean "replicaCount"?`,
    },
    {
      name: "a value of the wrong type, in one cluster's east-west gateway",
      config: {
        ...validConfig(),
        clusters: [
          { ...validConfig().clusters[0], helmValues: { eastWestGateway: { replicaCount: "3" } } },
          validConfig().clusters[1],
        ],
      },
      path: "clusters[0].helmValues.eastWestGateway.replicaCount",
      value: "3",
      fix: "must be a whole number, not a string (Istio 1.31's gateway chart's schema)",
    },
    {
      name: "a fraction where the chart takes a whole number",
      config: withOverride("ingressGateway", { autoscaling: { maxReplicas: 1.5 } }),
      path: "helmValues.ingressGateway.autoscaling.maxReplicas",
      value: 1.5,
      fix: "must be a whole number, not a fraction (Istio 1.31's gateway chart's schema)",
    },
    {
      name: "a value outside the chart's list",
      config: withOverride("ingressGateway", { service: { ipFamilyPolicy: "Dual" } }),
      path: "helmValues.ingressGateway.service.ipFamilyPolicy",
      value: "Dual",
      fix: 'must be one of "", "SingleStack", "PreferDualStack", "RequireDualStack"',
    },
    {
      name: "a gateway value of a newer Istio than the one installed",
      config: withOverride("eastWestGateway", { dnsPolicy: "Default" }, newestPatch("1.30")),
      path: "helmValues.eastWestGateway.dnsPolicy",
      fix: "is not a value of Istio 1.30's gateway chart",
    },
    {
      name: "a mesh chart value its templates do not read",
      config: withOverride("meshManifests", { ingressClass: "nginx" }),
      path: "helmValues.meshManifests.ingressClass",
      fix: "is not a value of the mesh chart (manifests/mesh), and Helm would refuse the install after the clusters exist",
    },
  ])("$name is reported with the field, the value and the fix", ({ config, ...bad }) => {
    expectProblem(
      problemLinesOf(() => validate(config)),
      bad,
    );
  });

  it("lets through what Helm accepts: a known value, a free-form map, a null that removes a default", () => {
    const config = withOverride("ingressGateway", { replicaCount: 3, podAnnotations: { team: "mesh" }, service: null });
    config.helmValues.meshManifests = { global: { anything: true } };
    expect(() => validate(config)).not.toThrow();
  });

  it("checks the gateway values against the schema of the revision the gateways follow", () => {
    const config = withOverride("ingressGateway", { dnsPolicy: "Default" });
    config.istio = {
      revisions: [
        { name: "default", version: newestPatch("1.30") },
        { name: "canary", version: newestPatch("1.31") },
      ],
      tags: { stable: "canary" },
      gatewayTag: "stable",
    };
    expect(() => validate(config)).not.toThrow();
  });
});

describe("the chart schemas the check reads", () => {
  it("exist for every Istio minor this program installs", () => {
    for (const minor of ISTIO_MINORS) expect(() => readFileSync(gatewaySchemaFile(minor))).not.toThrow();
  });

  it("use only keywords the check applies, so no constraint is skipped silently", () => {
    const used = new Set<string>();
    const walk = (node: unknown, isNameMap = false): void => {
      if (Array.isArray(node)) return node.forEach((item) => walk(item));
      if (typeof node !== "object" || node === null) return;
      for (const [key, child] of Object.entries(node)) {
        if (!isNameMap) used.add(key);
        walk(child, !isNameMap && ["properties", "$defs", "definitions"].includes(key));
      }
    };
    for (const file of [...ISTIO_MINORS.map(gatewaySchemaFile), MESH_CHART_SCHEMA_FILE])
      walk(JSON.parse(readFileSync(file, "utf8")));
    expect([...used].filter((keyword) => !UNDERSTOOD_KEYWORDS.has(keyword))).toEqual([]);
  });
});

/**
 * The same overrides through Helm's own schema check (helm template): a stub of the gateway chart
 * holding only its schema and no defaults, so Helm sees the override alone, as the check does; and
 * the real mesh chart with its defaults.
 */
describe("the check agrees with Helm", () => {
  const work = mkdtempSync(path.join(tmpdir(), "chart-schemas-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const helmAccepts = (chartDir: string, values: unknown) => helmAcceptsValues(chartDir, values, work);
  const weAccept = (release: string, values: unknown, minor: string) =>
    chartValueProblems({ helmValues: { [release]: values } }, minor).length === 0;

  const GATEWAY_OVERRIDES: readonly unknown[] = [
    { replicas: 3 },
    { replicaCount: "3" },
    { replicaCount: 2, service: { type: "NodePort", ipFamilyPolicy: "SingleStack" } },
    { service: { ipFamilyPolicy: "Dual" } },
    { dnsPolicy: "Default" },
    { service: { ports: [{ name: "tls", port: 15443 }] } },
  ];

  it.each(ISTIO_MINORS.map((minor) => [minor]))("on Istio %s's gateway chart", (minor) => {
    const chart = gatewaySchemaChart(minor, work);
    const verdicts = GATEWAY_OVERRIDES.map((values) => ({ values, ours: weAccept("ingressGateway", values, minor) }));
    expect(verdicts.filter(({ ours }) => ours).length).toBeGreaterThan(0);
    expect(verdicts.filter(({ ours }) => !ours).length).toBeGreaterThan(0);
    for (const verdict of verdicts)
      expect({ ...verdict, helm: helmAccepts(chart, verdict.values) }).toEqual({ ...verdict, helm: verdict.ours });
  });

  it("on the mesh chart", () => {
    const chart = path.join(PROJECT_DIR, "manifests", "mesh");
    for (const values of [{ ingressClass: "nginx" }, { global: { a: 1 } }, { crossNetworkGateway: { port: 0 } }]) {
      const ours = weAccept("meshManifests", values, "1.31");
      expect({ values, ours, helm: helmAccepts(chart, values) }).toEqual({ values, ours, helm: ours });
    }
  });
});
