/**
 * The Istio releases this version of the program knows, one entry per supported minor. Sources:
 * the release announcements under https://istio.io/latest/news/releases/ (1.31.1 and 1.30.5 were
 * published on 2026-09-21, the newest patches announced there), the minors' "officially supported
 * on Kubernetes" notes in those announcements, and Istio's support policy (a minor is supported
 * until six weeks after the N+2 minor; 1.29 ended on 2026-10-12, six weeks after 1.31.0).
 *
 * A plain table that imports nothing: the config schema validates against it and the constructs
 * read it, so adding a patch here is the whole of an Istio patch upgrade of this program.
 */

/** What this program knows about one Istio minor release line. */
export interface IstioMinorRelease {
  /** Released patches of the line, oldest first, as full versions ("1.31.1"). */
  readonly patches: readonly string[];
  /** Date (UTC) of the line's .0 release. */
  readonly releasedOn: string;
  /** Date (UTC) the line leaves community support, when announced. */
  readonly endOfLife?: string;
  /** Kubernetes versions the line is officially supported on, inclusive. */
  readonly kubernetes: { readonly min: string; readonly max: string };
}

/** Supported Istio minors, by minor ("1.31"), oldest first. */
export const ISTIO_RELEASES: Readonly<Record<string, IstioMinorRelease>> = {
  "1.30": {
    patches: ["1.30.0", "1.30.1", "1.30.2", "1.30.3", "1.30.4", "1.30.5"],
    releasedOn: "2026-05-14",
    kubernetes: { min: "1.32", max: "1.36" },
  },
  "1.31": {
    patches: ["1.31.0", "1.31.1"],
    releasedOn: "2026-08-31",
    kubernetes: { min: "1.32", max: "1.36" },
  },
};

/** The supported minors, oldest first. */
export const ISTIO_MINORS: readonly string[] = Object.keys(ISTIO_RELEASES).sort(compareMinors);

/** The newest minor this program supports, and the newest patch of it: the default install. */
export const NEWEST_ISTIO_MINOR = ISTIO_MINORS[ISTIO_MINORS.length - 1];
export const NEWEST_ISTIO_VERSION = newestPatch(NEWEST_ISTIO_MINOR);

/** A version as Istio publishes its releases: MAJOR.MINOR.PATCH, no zero padding, no pre-release. */
const RELEASE_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
/** Digits in the right places, only padded with zeros: "1.31.01". */
const PADDED_VERSION = /^\d+\.\d+\.\d+$/;

/** Release versions of the supported minors, for editors (the JSON Schema); the table decides the rest. */
export const ISTIO_VERSION_PATTERN = `^(${ISTIO_MINORS.map((minor) => minor.replace(".", "\\.")).join("|")})\\.(0|[1-9]\\d*)$`;

export interface IstioVersion {
  readonly minor: string;
  readonly patch: number;
}

/** The minor and patch of a release version, or undefined when it is not one. */
export function parseIstioVersion(version: string): IstioVersion | undefined {
  const match = RELEASE_VERSION.exec(version);
  return match ? { minor: `${match[1]}.${match[2]}`, patch: Number(match[3]) } : undefined;
}

/** Whether `version` is a released patch in the table. */
export function isKnownIstioVersion(version: string): boolean {
  const parsed = parseIstioVersion(version);
  return parsed !== undefined && (ISTIO_RELEASES[parsed.minor]?.patches.includes(version) ?? false);
}

/**
 * What makes `version` unusable, phrased to follow the value, or undefined. A well-formed patch
 * newer than the table is not a problem (see istioVersionWarning): Istio ships patches faster
 * than this program is released.
 */
export function istioVersionProblem(version: string): string | undefined {
  const parsed = parseIstioVersion(version);
  if (!parsed) {
    if (PADDED_VERSION.test(version)) {
      return `is zero-padded, and Istio publishes no such release: write it without leading zeros, like "${unpadded(version)}"`;
    }
    return `is not an Istio release version MAJOR.MINOR.PATCH: use one like "${NEWEST_ISTIO_VERSION}"`;
  }
  if (!ISTIO_RELEASES[parsed.minor]) {
    return `is Istio ${parsed.minor}, which this program does not support: use ${ISTIO_MINORS.map((minor) => `${minor}.x`).join(" or ")}, for example "${NEWEST_ISTIO_VERSION}"`;
  }
  return undefined;
}

/** Advice for a well-formed patch newer than any this program knows, or undefined. */
export function istioVersionWarning(version: string): string | undefined {
  const parsed = parseIstioVersion(version);
  if (!parsed || istioVersionProblem(version) || isKnownIstioVersion(version)) return undefined;
  const known = ISTIO_RELEASES[parsed.minor].patches.join(", ");
  return `istio.version "${version}" is newer than the Istio ${parsed.minor} releases this program knows (${known}): check that it is published at https://istio.io/latest/news/releases/ before deploying, or Helm fails after the clusters exist`;
}

/** The newest patch of a minor in the table. */
export function newestPatch(minor: string): string {
  const { patches } = ISTIO_RELEASES[minor];
  return patches[patches.length - 1];
}

function unpadded(version: string): string {
  return version
    .split(".")
    .map((part) => String(Number(part)))
    .join(".");
}

function compareMinors(a: string, b: string): number {
  const [aMajor, aMinor] = a.split(".").map(Number);
  const [bMajor, bMinor] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/**
 * The Kubernetes versions an Istio release is officially supported on (its minor's range), or
 * undefined for a minor this program does not know. Every revision of a mesh must support the
 * clusters' version.
 */
export function kubernetesRangeOf(istioVersion: string): IstioMinorRelease["kubernetes"] | undefined {
  const parsed = parseIstioVersion(istioVersion);
  return parsed && ISTIO_RELEASES[parsed.minor]?.kubernetes;
}

/**
 * How many minors apart two revisions may be: "when using revision-based upgrades jumping across
 * two minor versions is supported (e.g. upgrading directly from version 1.8 to 1.10)" (istio.io,
 * docs/setup/upgrade/canary).
 */
export const CANARY_MAX_MINOR_SKEW = 2;

/**
 * How many minors a proxy may be behind its control plane: "The Istio control plane can be one
 * version ahead of the data plane. However, the data plane cannot be ahead of control plane"
 * (istio.io, docs/releases/supported-releases, Control Plane/Data Plane Skew).
 */
export const DATA_PLANE_MAX_MINOR_SKEW = 1;

/** The minor number of a release version of major 1 ("1.31.2" -> 31), for skew arithmetic. */
export function istioMinorNumber(version: string): number | undefined {
  const parsed = parseIstioVersion(version);
  return parsed && parsed.minor.startsWith("1.") ? Number(parsed.minor.slice(2)) : undefined;
}
