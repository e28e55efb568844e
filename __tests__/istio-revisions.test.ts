import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { validateMeshConfig } from "../config/load";
import { revisionProblems } from "../config/istio-revisions";
import { istioMinorNumber } from "../config/istio-versions";
import { ConfigError, formatProblem } from "../config/problems";
import type { IstioRevisionSpec } from "../config/spec";
import { tagGuardExpressions } from "../constructs/istio/revision-tag-guard";
import { applyOrder } from "../constructs/istio/revision-plan";
import { dataOf, resourcesOf, synthApp, StackJson } from "./helpers/synth";
import { hasTerraform } from "./helpers/terraform";
import { CANARY_ISTIO, withIstio } from "./helpers/canary-config";
import type { Config } from "./helpers/config-problems";

/**
 * Canary upgrades by revision: the config rules, one istiod release per revision with its tags,
 * namespaces and gateways on tags, istio-base at the newest version, the apply order of the
 * releases and the plan-time guard that keeps a tag move from breaking (evaluated by terraform).
 */

function problemsOf(istio: Config): string[] {
  try {
    validateMeshConfig(withIstio(istio), "test config");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(formatProblem);
  }
  throw new Error("the config was accepted");
}

describe("istio.revisions in the config", () => {
  it("accepts the canary config and keeps each revision's tags with it", () => {
    const { spec } = validateMeshConfig(withIstio(CANARY_ISTIO), "canary");
    expect(spec.istioVersion).toBe("1.31.1");
    expect(spec.istioRevisions).toEqual({
      revisions: [
        { name: "default", version: "1.31.0", tags: ["stable"] },
        { name: "1-31-1", version: "1.31.1", tags: ["canary"] },
      ],
      tags: CANARY_ISTIO.tags,
      gatewayTag: "stable",
      sampleTag: "canary",
    });
  });

  it("leaves a config with istio.version alone: no revisions", () => {
    expect(validateMeshConfig(withIstio({ version: "1.31.0" }), "simple").spec.istioRevisions).toBeUndefined();
  });

  it("warns about a revision's patch newer than the known releases, naming the revision", () => {
    const { warnings } = validateMeshConfig(
      withIstio({ ...CANARY_ISTIO, revisions: [CANARY_ISTIO.revisions[0], { name: "1-31-1", version: "1.31.99" }] }),
      "canary",
    );
    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^istio\.revisions\[1\]\.version "1\.31\.99" is newer than/)]),
    );
  });

  it("defaults the sample tag to the gateway tag", () => {
    const { spec } = validateMeshConfig(withIstio({ ...CANARY_ISTIO, sampleTag: undefined }), "canary");
    expect(spec.istioRevisions?.sampleTag).toBe("stable");
  });

  it.each<[string, Config, string]>([
    [
      "version and revisions together",
      { ...CANARY_ISTIO, version: "1.31.0" },
      'istio.version "1.31.0" is set together with istio.revisions, where each revision names its own version: remove istio.version',
    ],
    [
      "a duplicate revision name",
      { ...CANARY_ISTIO, revisions: [...CANARY_ISTIO.revisions, { name: "1-31-1", version: "1.31.0" }] },
      'istio.revisions[2].name "1-31-1" is already used by istio.revisions[1]: give every revision its own name',
    ],
    [
      "a revision name with dots",
      { ...CANARY_ISTIO, revisions: [{ name: "1.31.0", version: "1.31.0" }], tags: { stable: "1.31.0" } },
      "istio.revisions[0].name \"1.31.0\" must be a lowercase DNS label (a-z, 0-9 and '-', not starting or ending with '-')",
    ],
    [
      "an unsupported revision version",
      { ...CANARY_ISTIO, revisions: [{ name: "default", version: "1.29.4" }, CANARY_ISTIO.revisions[1]] },
      'istio.revisions[0].version "1.29.4" is Istio 1.29, which this program does not support',
    ],
    [
      "a tag pointing at no listed revision",
      { ...CANARY_ISTIO, tags: { stable: "default", canary: "1-31-2" } },
      'istio.tags.canary "1-31-2" is not a revision in istio.revisions (default, 1-31-1): point the tag at one of them',
    ],
    [
      "a tag named like a revision",
      { ...CANARY_ISTIO, tags: { ...CANARY_ISTIO.tags, default: "1-31-1" } },
      "istio.tags.default has the name of a revision, and istio.io/rev=default would mean both: give the tag another name",
    ],
    [
      "no gateway tag",
      { ...CANARY_ISTIO, gatewayTag: undefined },
      "istio.gatewayTag is required with istio.revisions: name the tag the gateways follow",
    ],
    [
      "a gateway tag that is not a tag",
      { ...CANARY_ISTIO, gatewayTag: "prod" },
      'istio.gatewayTag "prod" is not a tag in istio.tags (stable, canary): add it there',
    ],
    [
      "a gateway tag named like a property every object has",
      { ...CANARY_ISTIO, gatewayTag: "constructor" },
      'istio.gatewayTag "constructor" is not a tag in istio.tags (stable, canary): add it there',
    ],
    [
      "a sample tag that is not a tag",
      { ...CANARY_ISTIO, sampleTag: "test" },
      'istio.sampleTag "test" is not a tag in istio.tags (stable, canary): add it there',
    ],
    [
      "tags without revisions",
      { version: "1.31.0", tags: { stable: "default" } },
      'istio.tags {"stable":"default"} needs istio.revisions: tags point at revisions',
    ],
  ])("rejects %s, naming the field, the value and the fix", (_name, istio, expected) => {
    const problems = problemsOf(istio);
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it("reports an empty gateway tag once, as a bad name, not again as a missing tag", () => {
    const lines = problemsOf({ ...CANARY_ISTIO, gatewayTag: "" }).filter((line) => line.startsWith("istio.gatewayTag"));
    expect(lines).toEqual([expect.stringContaining('istio.gatewayTag "" must be a lowercase DNS label')]);
  });

  it("reports every problem at once", () => {
    expect(
      problemsOf({ ...CANARY_ISTIO, version: "1.31.0", gatewayTag: "prod", tags: { stable: "nope" } }).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it("keeps revisions within the two-minor canary skew (the supported table spans less, so the rule is checked directly)", () => {
    const istio = {
      revisions: [
        { name: "a", version: "1.30.1" },
        { name: "b", version: "1.32.0" },
        { name: "c", version: "1.33.0" },
      ],
      tags: { stable: "a" },
      gatewayTag: "stable",
    };
    expect(revisionProblems(istio, istioMinorNumber).map(formatProblem)).toEqual([
      'istio.revisions[2].version "1.33.0" is 3 minor versions ahead of istio.revisions[0].version "1.30.1", but a canary upgrade spans at most 2: upgrade through an intermediate minor first, and remove the oldest revision before adding this one',
    ]);
  });
});

const canary = validateMeshConfig(withIstio(CANARY_ISTIO), "canary").spec;
const synthesized = synthApp(canary);
const simple = synthApp(validateMeshConfig(withIstio({ version: "1.31.0" }), "simple").spec);

function releasesOf(stack: StackJson): Record<string, StackJson> {
  return Object.fromEntries(
    Object.values(resourcesOf(stack, "helm_release")).map((release) => [release.name, release]),
  );
}
const valuesOf = (release: StackJson) => parse(release.values[0]);
/** helm_release names by Terraform address, to read depends_on. */
function releaseNames(stack: StackJson): Map<string, string> {
  return new Map(
    Object.entries(resourcesOf(stack, "helm_release")).map(([id, release]) => [`helm_release.${id}`, release.name]),
  );
}

describe.each(["cluster1", "cluster2"])("the platform stack of %s with two revisions", (clusterName) => {
  const stack = synthesized.stacks[`${clusterName}-platform`];
  const releases = releasesOf(stack);
  const names = releaseNames(stack);

  it("has one istiod release per revision, each of its version, with the revision and its tags", () => {
    const istiod = releases["istiod"];
    const canaryIstiod = releases["istiod-1-31-1"];
    expect(
      Object.keys(releases)
        .filter((name) => name.startsWith("istiod"))
        .sort(),
    ).toEqual(["istiod", "istiod-1-31-1"]);
    expect([istiod.version, canaryIstiod.version]).toEqual(["1.31.0", "1.31.1"]);
    // The default revision is the unnamed release: no revision value, so its objects keep their names.
    expect(valuesOf(istiod).revision).toBeUndefined();
    expect(valuesOf(istiod).revisionTags).toEqual(["stable"]);
    expect(valuesOf(canaryIstiod).revision).toBe("1-31-1");
    expect(valuesOf(canaryIstiod).revisionTags).toEqual(["canary"]);
    expect(valuesOf(canaryIstiod).global.tag).toBe("1.31.1");
  });

  it("gives every revision the same mesh-wide values", () => {
    const meshWide = (release: StackJson) => {
      const { revision: _revision, revisionTags: _tags, ...rest } = valuesOf(release);
      return { ...rest, global: { ...rest.global, tag: undefined } };
    };
    expect(meshWide(releases["istiod-1-31-1"])).toEqual(meshWide(releases["istiod"]));
    expect(valuesOf(releases["istiod"]).global).toMatchObject({
      meshID: "mesh1",
      multiCluster: { clusterName },
      network: `${clusterName}-network`,
    });
  });

  it("installs istio-base once, at the newest revision's version, before every istiod", () => {
    expect(releases["istio-base"].version).toBe("1.31.1");
    for (const name of ["istiod", "istiod-1-31-1"]) {
      expect(releases[name].depends_on.map((address: string) => names.get(address))).toContain("istio-base");
    }
    // Config that names no revision is validated by the revision the gateways' tag points at.
    expect(valuesOf(releases["istio-base"])).toEqual({ defaultRevision: "default" });
  });

  it("applies the releases one after another in the order that lets tags move (newer first when both hold tags)", () => {
    expect(releases["istiod"].depends_on.map((address: string) => names.get(address))).toContain("istiod-1-31-1");
    expect(releases["istiod-1-31-1"].depends_on.map((address: string) => names.get(address))).not.toContain("istiod");
  });

  it("labels the namespaces with their tags instead of istio-injection", () => {
    const labels = Object.fromEntries(
      Object.values(resourcesOf(stack, "kubernetes_namespace_v1")).map((ns) => [ns.metadata.name, ns.metadata.labels]),
    );
    expect(labels["istio-ingress"]).toEqual({ "istio.io/rev": "stable" });
    expect(labels["sample"]).toEqual({ "istio.io/rev": "canary" });
  });

  it.each(["istio-ingressgateway", "istio-eastwestgateway"])(
    "pins %s to the gateway tag, at its revision's version, rolled by the revision annotation, after every istiod",
    (gateway) => {
      const release = releases[gateway];
      expect(release.version).toBe("1.31.0");
      expect(valuesOf(release)).toMatchObject({
        revision: "stable",
        podAnnotations: { "istio-mesh/revision": "default" },
      });
      const waits = release.depends_on.map((address: string) => names.get(address));
      expect(waits).toEqual(expect.arrayContaining(["istiod", "istiod-1-31-1"]));
    },
  );

  it("guards the tags with a data source of the tag webhooks read at plan time (it depends on nothing)", () => {
    const guards = Object.values(dataOf(stack, "kubernetes_resources"));
    expect(guards).toHaveLength(1);
    expect(guards[0]).toMatchObject({
      api_version: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      label_selector: "istio.io/tag",
    });
    expect(guards[0].depends_on).toBeUndefined();
    expect(guards[0].lifecycle.postcondition).toHaveLength(1);
  });
});

describe("the step from istio.version to revisions", () => {
  const platform = (output: typeof simple) => output.stacks["cluster1-platform"];

  it("keeps the address of the default revision's istiod and every other resource; only the canary is added", () => {
    const addresses = (stack: StackJson) =>
      Object.entries(stack.resource).flatMap(([type, resources]) =>
        Object.keys(resources as object).map((id) => `${type}.${id}`),
      );
    const before = addresses(platform(simple));
    const after = addresses(platform(synthesized));
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after.filter((address) => !before.includes(address))).toEqual([
      expect.stringMatching(/^helm_release\.istiod-1-31-1_release_/),
    ]);
  });

  it("has no revision values, tag guard or revision labels without revisions", () => {
    const stack = platform(simple);
    const releases = releasesOf(stack);
    expect(Object.keys(releases).filter((name) => name.startsWith("istiod"))).toEqual(["istiod"]);
    expect(valuesOf(releases["istiod"])).not.toHaveProperty("revision");
    expect(valuesOf(releases["istiod"])).not.toHaveProperty("revisionTags");
    expect(valuesOf(releases["istio-ingressgateway"])).not.toHaveProperty("revision");
    expect(valuesOf(releases["istio-base"])).toEqual({});
    expect(stack.data.kubernetes_resources).toBeUndefined();
  });
});

/** Upstream values.yaml (fixtures/upstream-values), with the internal defaults at the top level as the charts read them. */
function upstream(file: string): Config {
  const { _internal_defaults_do_not_set: internal = {}, ...top } = parse(
    readFileSync(path.join(__dirname, "fixtures", "upstream-values", file), "utf8"),
  );
  return { ...internal, ...top };
}

describe("the revision values exist in the Istio 1.31 charts (a key the chart does not read is silently ignored)", () => {
  const releases = releasesOf(synthesized.stacks["cluster1-platform"]);
  it.each([
    ["istiod-1-31-1", "istio-1.31-istiod-values.yaml", ["revision", "revisionTags"]],
    ["istiod", "istio-1.31-istiod-values.yaml", ["revisionTags"]],
    ["istio-base", "istio-1.31-base-values.yaml", ["defaultRevision"]],
    ["istio-ingressgateway", "istio-1.31-gateway-values.yaml", ["revision", "podAnnotations"]],
    ["istio-eastwestgateway", "istio-1.31-gateway-values.yaml", ["revision", "podAnnotations"]],
  ])("%s sets only keys the chart defines, at the top level", (release, file, keys) => {
    const values = valuesOf(releases[release]);
    const defined = upstream(file);
    for (const key of keys) {
      expect(values).toHaveProperty([key]);
      expect(defined).toHaveProperty([key]);
      expect(typeof values[key]).toBe(Array.isArray(defined[key]) ? "object" : typeof defined[key]);
    }
  });
});

const revision = (name: string, version: string, tags: string[] = []): IstioRevisionSpec => ({ name, version, tags });

describe("the apply order of the istiod releases", () => {
  it("puts revisions no tag points at first, then newer versions", () => {
    expect(
      applyOrder([
        revision("c", "1.31.1", ["stable"]),
        revision("a", "1.31.0", ["canary"]),
        revision("b", "1.30.5"),
      ]).map((r) => r.name),
    ).toEqual(["b", "c", "a"]);
  });
});

/**
 * The guard's condition and message, evaluated by terraform console over tag webhooks as the
 * cluster would list them (labels istio.io/tag and istio.io/rev, as revision-tags-mwc.yaml sets).
 */
const runTerraform = hasTerraform || process.env.CI === "true";
(runTerraform ? describe : describe.skip)("the tag guard, evaluated by terraform", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tag-guard-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  type Case = readonly [IstioRevisionSpec[], Record<string, string>];

  /** Each case's guard outcome, from one terraform console run (piped several lines, it prints only the last result). */
  function evaluateAll(cases: readonly Case[]): { ok: boolean; message: string }[] {
    const locals = cases.map(([, live], index) => {
      const objects = Object.entries(live).map(([tag, rev]) => ({
        metadata: { name: `istio-revision-tag-${tag}`, labels: { "istio.io/tag": tag, "istio.io/rev": rev } },
      }));
      return `  objects_${index} = jsondecode(${JSON.stringify(JSON.stringify(objects))})`;
    });
    writeFileSync(path.join(dir, "main.tf"), `locals {\n${locals.join("\n")}\n}\n`);
    const strip = (expression: string) => expression.slice(2, -1);
    const outcomes = cases.map(([revisions], index) => {
      const { condition, errorMessage } = tagGuardExpressions(`local.objects_${index}`, revisions);
      return `{ ok = ${strip(condition)}, message = ${strip(errorMessage)} }`;
    });
    const output = execFileSync("terraform", ["console"], {
      cwd: dir,
      input: `jsonencode([${outcomes.join(", ")}])\n`,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "ignore"],
    });
    return JSON.parse(JSON.parse(output.trim()));
  }

  const evaluate = (revisions: IstioRevisionSpec[], live: Record<string, string>) =>
    evaluateAll([[revisions, live]])[0];

  const canaryRevisions = [revision("default", "1.31.0", ["stable"]), revision("1-31-1", "1.31.1", ["canary"])];

  it("passes a first deploy (no tags in the cluster) and an unchanged config", () => {
    expect(evaluate(canaryRevisions, {}).ok).toBe(true);
    expect(evaluate(canaryRevisions, { stable: "default", canary: "1-31-1" }).ok).toBe(true);
  });

  it("passes promoting the stable tag to the canary, and moving it back while the canary keeps its tag", () => {
    const promoted = [revision("default", "1.31.0"), revision("1-31-1", "1.31.1", ["canary", "stable"])];
    expect(evaluate(promoted, { stable: "default", canary: "1-31-1" }).ok).toBe(true);
    expect(evaluate(canaryRevisions, { stable: "1-31-1", canary: "1-31-1" }).ok).toBe(true);
    const abandoned = [revision("default", "1.31.0", ["canary", "stable"]), revision("1-31-1", "1.31.1")];
    expect(evaluate(abandoned, { stable: "1-31-1", canary: "1-31-1" }).ok).toBe(true);
  });

  it("lets every step of the README's upgrade through, and each rollback", () => {
    const both = [
      { name: "default", version: "1.31.0" },
      { name: "1-31-1", version: "1.31.1" },
    ];
    const step = (tags: Record<string, string>, gatewayTag = "stable", sampleTag = "stable", revisions = both) =>
      validateMeshConfig(withIstio({ revisions, tags, gatewayTag, sampleTag }), "step").spec.istioRevisions!;
    const canaryStep = { stable: "default", canary: "1-31-1" };
    const movedStep = { stable: "1-31-1", canary: "1-31-1" };
    const steps = [
      step(canaryStep),
      step(canaryStep, "stable", "canary"),
      step(canaryStep, "canary", "canary"),
      step(movedStep, "canary", "canary"),
      step({ stable: "1-31-1" }, "stable", "stable", [both[1]]),
    ];
    const rollbacks: [number, number][] = [
      [4, 3], // step 4 back to step 3: the tag moves back while the canary keeps its own
      [3, 2],
      [2, 1],
    ];
    const forwards = steps.slice(1).map((_, index): [number, number] => [index, index + 1]);
    const moves = [...forwards, ...rollbacks.map(([a, b]): [number, number] => [a - 1, b - 1])];
    const results = evaluateAll(
      moves.map(([from, to]): Case => [steps[to].revisions as IstioRevisionSpec[], steps[from].tags]),
    );
    expect(results).toEqual(moves.map(() => ({ ok: true, message: "" })));
  });

  it("stops the removal of a revision a tag still points at in the cluster, naming both", () => {
    const result = evaluate([revision("1-31-1", "1.31.1", ["canary", "stable"])], {
      stable: "default",
      canary: "1-31-1",
    });
    expect(result.ok).toBe(false);
    expect(result.message).toBe(
      "revision tag stable points at revision default in this cluster, which this change removes: keep the revision until no tag points at it (move the tag in one deploy, remove the revision in the next)",
    );
  });

  it("stops the removal of a revision that a tag the config no longer lists still points at", () => {
    const result = evaluate([revision("1-31-1", "1.31.1", ["stable"])], { stable: "1-31-1", canary: "default" });
    expect(result.ok).toBe(false);
    expect(result.message).toContain(
      "revision tag canary points at revision default in this cluster, which this change removes",
    );
    expect(evaluate([revision("1-31-1", "1.31.1", ["stable"])], { canary: "1-31-1" }).ok).toBe(true);
  });

  it("stops a promotion whose releases would apply in the wrong order (the old revision keeps another tag)", () => {
    const result = evaluate([revision("default", "1.31.0", ["gateway"]), revision("1-31-1", "1.31.1", ["stable"])], {
      stable: "default",
      gateway: "default",
    });
    expect(result.ok).toBe(false);
    expect(result.message).toBe(
      "revision tag stable points at revision default in this cluster, and its new revision's release is applied first (revisions with no tag first, then newer versions): in this change also move every other tag off that revision",
    );
  });
});
