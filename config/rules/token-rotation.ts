import { DEFAULT_TOKEN_ROTATION_DAYS, MIN_ISTIO_VERSION_FOR_TOKEN_ROTATION } from "../defaults";
import { istioVersionProblem, parseIstioVersion } from "../istio-versions";
import type { ConfigProblem } from "../problems";

/**
 * With reader-token rotation on, every configured Istio version must take a changed remote secret
 * without losing the remote cluster meanwhile: MIN_ISTIO_VERSION_FOR_TOKEN_ROTATION or later.
 * Reads the raw config (`istio` and `remoteSecrets.tokenRotationDays` as written), so a version
 * the user never wrote (the default) is never blamed. A release the version table rejects anyway
 * is left to that problem (every minor in today's table is new enough).
 */
export function tokenRotationProblems(
  istio: unknown,
  tokenRotationDays: unknown,
  reportedElsewhere: (version: string) => boolean = (version) => istioVersionProblem(version) !== undefined,
): ConfigProblem[] {
  const days = tokenRotationDays === undefined ? DEFAULT_TOKEN_ROTATION_DAYS : tokenRotationDays;
  if (typeof days !== "number" || days <= 0) return [];
  const written = (istio ?? {}) as { version?: unknown; revisions?: unknown };
  const versions: [string, unknown][] = [["istio.version", written.version]];
  if (Array.isArray(written.revisions)) {
    written.revisions.forEach((revision: { version?: unknown } | undefined, index) =>
      versions.push([`istio.revisions[${index}].version`, revision?.version]),
    );
  }
  return versions
    .filter(
      ([, version]) =>
        typeof version === "string" &&
        !reportedElsewhere(version) &&
        isOlder(version, MIN_ISTIO_VERSION_FOR_TOKEN_ROTATION),
    )
    .map(([path, version]) => ({
      path,
      value: version,
      message: `cannot take rotating reader tokens: before ${MIN_ISTIO_VERSION_FOR_TOKEN_ROTATION}, istiod drops a remote cluster's endpoints while it reconnects with a changed remote secret; use ${MIN_ISTIO_VERSION_FOR_TOKEN_ROTATION} or later, or set remoteSecrets.tokenRotationDays: 0`,
    }));
}

function isOlder(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map((each) => {
    const parsed = parseIstioVersion(each);
    return parsed && [...parsed.minor.split(".").map(Number), parsed.patch];
  });
  if (!a || !b) return false;
  const index = a.findIndex((part, position) => part !== b[position]);
  return index >= 0 && a[index] < b[index];
}
