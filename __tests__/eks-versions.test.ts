import { validateMeshConfig } from "../config/load";
import { ConfigError, formatProblem } from "../config/problems";
import { EKS_VERSION_CALENDAR, SUPPORT_WARNING_DAYS } from "../config/eks-versions";
import { SUPPORTED_KUBERNETES_VERSIONS } from "../config/defaults";
import { istioRangeProblem } from "../config/lifecycle-rules";

const configWith = (kubernetesVersion: string) => ({
  meshId: "mesh1",
  apiAllowedCidrs: ["203.0.113.0/24"],
  clusters: [
    { name: "cluster1", region: "us-west-2", vpcCidr: "10.10.0.0/16", kubernetesVersion },
    { name: "cluster2", region: "us-east-2", vpcCidr: "10.20.0.0/16", kubernetesVersion: "1.36" },
  ],
});
const warningsOn = (kubernetesVersion: string, day: string) =>
  validateMeshConfig(configWith(kubernetesVersion), "test", new Date(day)).warnings;

function problemsOn(kubernetesVersion: string, day: string): string[] {
  try {
    validateMeshConfig(configWith(kubernetesVersion), "test", new Date(day));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

describe("EKS support dates", () => {
  it("knows the end of standard and extended support of every version the config accepts", () => {
    for (const version of SUPPORTED_KUBERNETES_VERSIONS) expect(EKS_VERSION_CALENDAR[version]).toBeDefined();
    expect(EKS_VERSION_CALENDAR["1.34"].endOfStandardSupport).toBe("2026-12-02");
    expect(EKS_VERSION_CALENDAR["1.35"].endOfStandardSupport).toBe("2027-03-27");
  });

  it("warns, with the date and the days left, when standard support ends within 90 days", () => {
    expect(warningsOn("1.34", "2026-12-01T12:00:00Z")).toEqual([
      'clusters[0].kubernetesVersion "1.34" leaves EKS standard support on 2026-12-02 (in 1 day), then costs extended-support fees: plan the upgrade to 1.35',
    ]);
    // 1.35 ends on 2027-03-27: 90 days before is 2026-12-27.
    expect(warningsOn("1.35", "2026-12-26T12:00:00Z")).toEqual([]);
    expect(warningsOn("1.35", "2026-12-27T00:00:00Z")).toEqual([
      expect.stringContaining(`leaves EKS standard support on 2027-03-27 (in ${SUPPORT_WARNING_DAYS} days)`),
    ]);
  });

  it("warns once standard support has ended, until extended support ends too", () => {
    expect(warningsOn("1.34", "2026-12-02T00:00:00Z")).toEqual([
      'clusters[0].kubernetesVersion "1.34" left EKS standard support on 2026-12-02 and costs extended-support fees until 2027-12-02: upgrade to 1.35, one minor per deploy',
    ]);
    expect(problemsOn("1.34", "2026-12-02T00:00:00Z")).toEqual([]);
  });

  it("rejects a version EKS no longer runs, naming the field, the date and the fix", () => {
    expect(problemsOn("1.32", "2027-03-22T23:59:59Z")).toEqual([]);
    expect(problemsOn("1.32", "2027-03-23T00:00:00Z")).toEqual([
      'clusters[0].kubernetesVersion "1.32" left EKS extended support on 2027-03-23, so EKS no longer runs it (it upgrades such clusters itself): use 1.33 or later, one minor per deploy',
    ]);
  });
});

describe("Kubernetes versions and the configured Istio releases", () => {
  it("names the Istio release whose range a Kubernetes version is outside of", () => {
    expect(istioRangeProblem("1.37", ["1.30.5", "1.31.1"])).toBe(
      "is outside what Istio 1.30.5 supports (Kubernetes 1.32 to 1.36): use one of those, or an Istio release that supports 1.37",
    );
    expect(istioRangeProblem("1.31", ["1.31.1"])).toMatch(/^is outside what Istio 1.31.1 supports/);
    expect(istioRangeProblem("1.32", ["1.30.5", "1.31.1"])).toBeUndefined();
    expect(istioRangeProblem("1.36", ["1.31.1"])).toBeUndefined();
  });

  it("accepts every Kubernetes version the config offers with every supported Istio minor, revisions included", () => {
    for (const version of SUPPORTED_KUBERNETES_VERSIONS) {
      const config = {
        ...configWith(version),
        istio: {
          tags: { stable: "1-30-5", canary: "1-31-1" },
          gatewayTag: "stable",
          revisions: [
            { name: "1-30-5", version: "1.30.5" },
            { name: "1-31-1", version: "1.31.1" },
          ],
        },
      };
      expect(() => validateMeshConfig(config, "test", new Date("2026-12-01T12:00:00Z"))).not.toThrow();
    }
  });
});
