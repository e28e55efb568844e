import { z } from "zod";
import { DEFAULT_REVISION_NAME } from "../constructs/names";
import { isMapping } from "./mapping";
import { CANARY_MAX_MINOR_SKEW } from "./istio-versions";
import type { ConfigProblem } from "./problems";
import type { IstioRevisionSpec, IstioRevisionsSpec } from "./spec";

/**
 * Istio control plane revisions side by side, for canary upgrades: the config fields, the rules
 * that relate them, and the spec they become. With `istio.version` alone there is one unnamed
 * revision and none of this applies.
 */

/**
 * The name Istio gives the unnamed revision (the istiod release installed without `revision`,
 * whose objects carry istio.io/rev=default). A revision of this name in the config is that release,
 * so the release `istio.version` installed can run next to a canary.
 */
export const DEFAULT_REVISION = DEFAULT_REVISION_NAME;

/** Helm release names are at most 53 characters, and the istiod release is `istiod-<revision>`. */
export const MAX_REVISION_NAME_LENGTH = 46;
/** The chart names each tag's Service `istiod-revision-tag-<tag>`, a Service name of at most 63 characters. */
export const MAX_TAG_NAME_LENGTH = 44;

/** RFC 1123 labels, as Istio checks revision names: digits may come first ("1-31-1"). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const label = (what: string, maxLength: number, example: string) =>
  z
    .string()
    .regex(DNS_LABEL, {
      error: `must be a lowercase DNS label (a-z, 0-9 and '-', not starting or ending with '-'): a ${what} becomes part of Kubernetes names, like "${example}" (dots are not allowed: write 1.31.1 as 1-31-1)`,
    })
    .max(maxLength, { error: `is longer than ${maxLength} characters: shorten it` });

export const RevisionNameSchema = label("revision name", MAX_REVISION_NAME_LENGTH, "1-31-1");
export const TagNameSchema = label("tag name", MAX_TAG_NAME_LENGTH, "stable");

/** Fields of `istio` beside `version`; the version rule itself is the caller's (the supported-version table). */
export function revisionFields(versionSchema: z.ZodType<string>) {
  return {
    revisions: z
      .array(
        z
          .strictObject({
            name: RevisionNameSchema.describe(
              `Revision name, a DNS label such as 1-31-1; "${DEFAULT_REVISION}" is the release istio.version installed.`,
            ),
            version: versionSchema.describe("Istio release of this revision."),
          })
          .describe("One istiod control plane, installed next to the others."),
      )
      .min(1, { error: "must list at least one revision, or remove it and use istio.version" })
      .optional()
      .describe(
        "Control plane revisions side by side, for canary upgrades; replaces istio.version. Each gets its own istiod release.",
      ),
    tags: z
      .record(TagNameSchema, RevisionNameSchema)
      .optional()
      .describe("Revision tags: each names the revision it points at; namespaces use tags (istio.io/rev=<tag>)."),
    gatewayTag: TagNameSchema.optional().describe(
      "Tag both gateways (and the istio-ingress namespace) follow; required with revisions. Moving the tag rolls the gateways.",
    ),
    sampleTag: TagNameSchema.optional().describe("Tag the sample namespace follows. Default: gatewayTag."),
  };
}

/** What the revision rules read: `istio` as written (raw), so a default never hides what the user set. */
export interface RawIstio {
  readonly version?: unknown;
  readonly revisions?: unknown;
  readonly tags?: unknown;
  readonly gatewayTag?: unknown;
  readonly sampleTag?: unknown;
}

/** A revision as far as its fields are readable; undefined fields are reported by the schema. */
interface SalvagedRevision {
  readonly name?: string;
  readonly version?: string;
}

const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * Rules across the revision fields: one of version and revisions, unique names, the canary skew,
 * tags that point at listed revisions, and the gateway and sample tags. Single-field rules
 * (DNS labels, supported versions) are the schema's.
 */
export function revisionProblems(istio: unknown, minorOf: (version: string) => number | undefined): ConfigProblem[] {
  if (!isMapping(istio)) return [];
  const raw = istio as RawIstio;
  if (raw.revisions === undefined) return withoutRevisionsProblems(raw);
  if (!Array.isArray(raw.revisions)) return [];
  const revisions: SalvagedRevision[] = raw.revisions.map((revision) =>
    isMapping(revision) ? { name: asString(revision.name), version: asString(revision.version) } : {},
  );
  const names = revisions.map((revision) => revision.name).filter((name): name is string => name !== undefined);
  const tags = isMapping(raw.tags) ? raw.tags : {};
  return [
    ...(raw.version !== undefined
      ? [
          {
            path: "istio.version",
            value: raw.version,
            message:
              "is set together with istio.revisions, where each revision names its own version: remove istio.version (the release it installed is the revision named default)",
          },
        ]
      : []),
    ...duplicateNameProblems(revisions),
    ...skewProblems(revisions, minorOf),
    ...tagTargetProblems(tags, names),
    ...tagGatewayProblems(raw, tags),
  ];
}

function withoutRevisionsProblems(raw: RawIstio): ConfigProblem[] {
  return (["tags", "gatewayTag", "sampleTag"] as const)
    .filter((field) => raw[field] !== undefined)
    .map((field) => ({
      path: `istio.${field}`,
      value: raw[field],
      message:
        "needs istio.revisions: tags point at revisions; list the revisions (the one istio.version installed is named default), or remove it",
    }));
}

function duplicateNameProblems(revisions: readonly SalvagedRevision[]): ConfigProblem[] {
  const first = new Map<string, number>();
  return revisions.flatMap((revision, index) => {
    if (revision.name === undefined) return [];
    const earlier = first.get(revision.name);
    if (earlier === undefined) {
      first.set(revision.name, index);
      return [];
    }
    return [
      {
        path: `istio.revisions[${index}].name`,
        value: revision.name,
        message: `is already used by istio.revisions[${earlier}]: give every revision its own name, such as its version with dashes`,
      },
    ];
  });
}

/** The newest revision may be at most CANARY_MAX_MINOR_SKEW minors ahead of the oldest. */
function skewProblems(
  revisions: readonly SalvagedRevision[],
  minorOf: (version: string) => number | undefined,
): ConfigProblem[] {
  const minors = revisions.map((revision) => (revision.version ? minorOf(revision.version) : undefined));
  const known = minors.flatMap((minor, index) => (minor === undefined ? [] : [{ minor, index }]));
  if (known.length < 2) return [];
  const oldest = known.reduce((a, b) => (b.minor < a.minor ? b : a));
  return known
    .filter(({ minor }) => minor - oldest.minor > CANARY_MAX_MINOR_SKEW)
    .map(({ minor, index }) => ({
      path: `istio.revisions[${index}].version`,
      value: revisions[index].version,
      message: `is ${minor - oldest.minor} minor versions ahead of istio.revisions[${oldest.index}].version "${revisions[oldest.index].version}", but a canary upgrade spans at most ${CANARY_MAX_MINOR_SKEW}: upgrade through an intermediate minor first, and remove the oldest revision before adding this one`,
    }));
}

function tagTargetProblems(tags: Record<string, unknown>, names: readonly string[]): ConfigProblem[] {
  const listed = names.length ? names.join(", ") : "none";
  return Object.entries(tags).flatMap(([tag, target]): ConfigProblem[] => {
    const problems: ConfigProblem[] = [];
    if (names.includes(tag)) {
      problems.push({
        path: `istio.tags.${tag}`,
        message: `has the name of a revision, and istio.io/rev=${tag} would mean both: give the tag another name, such as stable or canary`,
      });
    }
    if (typeof target === "string" && !names.includes(target)) {
      problems.push({
        path: `istio.tags.${tag}`,
        value: target,
        message: `is not a revision in istio.revisions (${listed}): point the tag at one of them`,
      });
    }
    return problems;
  });
}

function tagGatewayProblems(raw: RawIstio, tags: Record<string, unknown>): ConfigProblem[] {
  const tagNames = Object.keys(tags);
  const listed = tagNames.length ? tagNames.join(", ") : "none";
  const problems: ConfigProblem[] = [];
  if (raw.gatewayTag === undefined) {
    problems.push({
      path: "istio.gatewayTag",
      message: `is required with istio.revisions: name the tag the gateways follow, such as gatewayTag: stable with tags: {stable: <revision>} (tags: ${listed})`,
    });
  }
  for (const field of ["gatewayTag", "sampleTag"] as const) {
    const tag = raw[field];
    // A tag that is not a valid name is reported as such, not also as missing from istio.tags.
    if (typeof tag === "string" && TagNameSchema.safeParse(tag).success && !Object.hasOwn(tags, tag)) {
      problems.push({
        path: `istio.${field}`,
        value: tag,
        message: `is not a tag in istio.tags (${listed}): add it there, pointing at a revision, or use one of them`,
      });
    }
  }
  return problems;
}

/** What the config says, with the revisions in the order Terraform must apply their releases. */
export function toRevisionsSpec(config: {
  readonly revisions: readonly { readonly name: string; readonly version: string }[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly gatewayTag?: string;
  readonly sampleTag?: string;
}): IstioRevisionsSpec {
  const tags = config.tags ?? {};
  const gatewayTag = config.gatewayTag!;
  const revisions: IstioRevisionSpec[] = config.revisions.map((revision) => ({
    name: revision.name,
    version: revision.version,
    tags: Object.keys(tags)
      .filter((tag) => tags[tag] === revision.name)
      .sort(),
  }));
  return { revisions, tags, gatewayTag, sampleTag: config.sampleTag ?? gatewayTag };
}

/** The newest of some MAJOR.MINOR.PATCH versions. */
export function newestVersion(versions: readonly string[]): string {
  const key = (version: string) => version.split(".").map(Number);
  return [...versions].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  })[versions.length - 1];
}
