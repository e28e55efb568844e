/**
 * EKS facts that change with time: which Kubernetes versions EKS runs and until when, and the
 * managed add-ons a cluster gets. Dates are UTC, from the EKS release calendar
 * (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html): 14 months of standard
 * support from the EKS release, then 12 months of extended support at an extra hourly fee, after
 * which EKS upgrades the cluster itself.
 */

/** The EKS-managed add-ons every cluster runs, in the order a cluster needs them. */
export const MANAGED_ADDON_NAMES = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns"] as const;

export interface EksVersionSupport {
  readonly endOfStandardSupport: string;
  readonly endOfExtendedSupport: string;
}

export const EKS_VERSION_CALENDAR: Readonly<Record<string, EksVersionSupport>> = {
  "1.31": { endOfStandardSupport: "2025-11-26", endOfExtendedSupport: "2026-11-26" },
  "1.32": { endOfStandardSupport: "2026-03-23", endOfExtendedSupport: "2027-03-23" },
  "1.33": { endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29" },
  "1.34": { endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02" },
  "1.35": { endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27" },
  "1.36": { endOfStandardSupport: "2027-08-02", endOfExtendedSupport: "2028-08-02" },
};

/** How early synth warns that a version's standard support ends: time to plan one minor upgrade per cluster. */
export const SUPPORT_WARNING_DAYS = 90;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Support ends as the calendar's day begins (UTC). */
function endOf(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** Why EKS no longer runs this version, or undefined while it does (standard or extended support). */
export function eksRetiredVersionProblem(version: string, today: Date): string | undefined {
  const support = EKS_VERSION_CALENDAR[version];
  if (!support || today.getTime() < endOf(support.endOfExtendedSupport)) return undefined;
  return `left EKS extended support on ${support.endOfExtendedSupport}, so EKS no longer runs it (it upgrades such clusters itself): use ${newerVersion(version)} or later, one minor per deploy`;
}

/**
 * A warning when standard support ends within SUPPORT_WARNING_DAYS or has ended (extended support
 * costs more per cluster hour), or undefined.
 */
export function eksSupportWarning(version: string, today: Date): string | undefined {
  const support = EKS_VERSION_CALENDAR[version];
  if (!support) return undefined;
  const end = endOf(support.endOfStandardSupport);
  if (today.getTime() >= end) {
    return `left EKS standard support on ${support.endOfStandardSupport} and costs extended-support fees until ${support.endOfExtendedSupport}: upgrade to ${newerVersion(version)}, one minor per deploy`;
  }
  const daysLeft = Math.ceil((end - today.getTime()) / DAY_MS);
  if (daysLeft > SUPPORT_WARNING_DAYS) return undefined;
  return `leaves EKS standard support on ${support.endOfStandardSupport} (in ${daysLeft} day${daysLeft === 1 ? "" : "s"}), then costs extended-support fees: plan the upgrade to ${newerVersion(version)}`;
}

/** The next minor, which is the only version EKS upgrades a cluster to. */
export function newerVersion(version: string): string {
  const [major, minor] = version.split(".").map(Number);
  return `${major}.${minor + 1}`;
}
