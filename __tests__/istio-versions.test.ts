import { meshConfigJsonSchema } from "../config/json-schema";
import { validateMeshConfig } from "../config/load";
import { ConfigError, formatProblem } from "../config/problems";
import {
  ISTIO_MINORS,
  ISTIO_RELEASES,
  NEWEST_ISTIO_VERSION,
  isKnownIstioVersion,
  istioVersionProblem,
} from "../config/istio-versions";

const configWith = (version?: string) => ({
  meshId: "mesh1",
  apiAllowedCidrs: ["203.0.113.0/24"],
  clusters: [{ name: "cluster1", region: "us-west-2", vpcCidr: "10.10.0.0/16" }],
  ...(version === undefined ? {} : { istio: { version } }),
});

function problemsOf(version: string): string[] {
  try {
    validateMeshConfig(configWith(version), "test");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

describe("the Istio release table", () => {
  it("defaults to the newest patch of the newest minor, 1.31.1 (announced on istio.io 2026-09-21)", () => {
    expect(NEWEST_ISTIO_VERSION).toBe("1.31.1");
    expect(validateMeshConfig(configWith(), "test").spec.istioVersion).toBe(NEWEST_ISTIO_VERSION);
  });

  it("supports 1.30 and 1.31 (1.29 left support on 2026-10-12), each with Kubernetes 1.32 to 1.36", () => {
    expect(ISTIO_MINORS).toEqual(["1.30", "1.31"]);
    for (const minor of ISTIO_MINORS) expect(ISTIO_RELEASES[minor].kubernetes).toEqual({ min: "1.32", max: "1.36" });
  });

  it("lists every patch of a minor from .0 up, each of that minor", () => {
    for (const [minor, release] of Object.entries(ISTIO_RELEASES)) {
      expect(release.patches).toEqual(release.patches.map((_, patch) => `${minor}.${patch}`));
    }
  });

  it("accepts every released patch without a warning", () => {
    for (const version of Object.values(ISTIO_RELEASES).flatMap((release) => release.patches)) {
      expect(isKnownIstioVersion(version)).toBe(true);
      expect(problemsOf(version)).toEqual([]);
      expect(validateMeshConfig(configWith(version), "test").warnings).toEqual([]);
    }
  });
});

describe("istio.version in the config", () => {
  it.each([
    ["1.31.01", 'is zero-padded, and Istio publishes no such release: write it without leading zeros, like "1.31.1"'],
    ["01.31.1", "is zero-padded"],
    ["1.31", 'is not an Istio release version MAJOR.MINOR.PATCH: use one like "1.31.1"'],
    ["v1.31.1", "is not an Istio release version MAJOR.MINOR.PATCH"],
    ["1.31.0-rc.0", "is not an Istio release version MAJOR.MINOR.PATCH"],
    [" 1.31.1", "is not an Istio release version MAJOR.MINOR.PATCH"],
    ["1.29.6", 'is Istio 1.29, which this program does not support: use 1.30.x or 1.31.x, for example "1.31.1"'],
    ["1.32.0", "is Istio 1.32, which this program does not support"],
  ])("rejects %j, naming the field, the value and the fix", (version, message) => {
    expect(problemsOf(version)).toEqual([
      expect.stringContaining(`istio.version ${JSON.stringify(version)} ${message}`),
    ]);
    expect(isKnownIstioVersion(version)).toBe(false);
    expect(istioVersionProblem(version)).toBeDefined();
  });

  it("warns about a well-formed patch newer than the table, naming the known ones", () => {
    const { spec, warnings } = validateMeshConfig(configWith("1.31.99"), "test");
    expect(spec.istioVersion).toBe("1.31.99");
    expect(warnings).toEqual([
      'istio.version "1.31.99" is newer than the Istio 1.31 releases this program knows (1.31.0, 1.31.1): check that it is published at https://istio.io/latest/news/releases/ before deploying, or Helm fails after the clusters exist',
    ]);
    expect(validateMeshConfig(configWith("1.30.6"), "test").warnings).toEqual([
      expect.stringContaining("(1.30.0, 1.30.1, 1.30.2, 1.30.3, 1.30.4, 1.30.5)"),
    ]);
  });
});

describe("the JSON Schema editors check", () => {
  it("matches exactly the well-formed versions of the supported minors", () => {
    const pattern = new RegExp(meshConfigJsonSchema().properties!.istio.properties!.version.pattern!);
    for (const version of ["1.30.0", "1.31.1", "1.31.99"]) expect(version).toMatch(pattern);
    for (const version of ["1.31.01", "1.29.6", "1.32.0", "1.31", "v1.31.1"]) expect(version).not.toMatch(pattern);
  });
});
