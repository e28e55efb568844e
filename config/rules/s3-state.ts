import { CLUSTER_STACK_STAGES, remoteStateKey, stackName } from "../../constructs/names";
import type { ConfigProblem } from "../problems";

/** S3's limit on an object key, in bytes of UTF-8. */
export const MAX_S3_KEY_BYTES = 1024;

/** Prefixes and suffixes S3 reserves (general purpose bucket naming rules). */
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** Why `bucket` is not a name S3 accepts for a general purpose bucket, or undefined. */
export function bucketNameProblem(bucket: string): string | undefined {
  const rules = "3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit";
  if (bucket.length < 3 || bucket.length > 63)
    return `is ${bucket.length} characters long: S3 bucket names have ${rules}`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) return `is not an S3 bucket name: use ${rules}`;
  if (bucket.includes("..")) return "has two adjacent dots, which S3 bucket names must not: remove one";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket))
    return "is shaped like an IP address, which S3 bucket names must not be: add a letter";
  const prefix = RESERVED_PREFIXES.find((reserved) => bucket.startsWith(reserved));
  if (prefix) return `starts with "${prefix}", a prefix S3 reserves: rename the bucket`;
  const suffix = RESERVED_SUFFIXES.find((reserved) => bucket.endsWith(reserved));
  if (suffix)
    return `ends with "${suffix}", a suffix S3 reserves for access points and other bucket types: rename the bucket`;
  return undefined;
}

/** Why `keyPrefix` cannot start the state keys, or undefined. */
export function keyPrefixProblem(keyPrefix: string): string | undefined {
  if (!keyPrefix) return 'is empty: remove the line to use "istio-mesh", or give a folder such as "teams/mesh"';
  if (keyPrefix.startsWith("/") || keyPrefix.endsWith("/")) {
    return `starts or ends with "/": write it without, like "${trimSlashes(keyPrefix) || "istio-mesh"}" (the "/" before each stack's key is added)`;
  }
  if (keyPrefix.includes("//")) return `has an empty folder ("//"): write it as "${keyPrefix.replace(/\/{2,}/g, "/")}"`;
  // S3's safe characters: anything else needs escaping somewhere (URLs, Terraform strings).
  if (!/^[A-Za-z0-9!_.*'()/-]+$/.test(keyPrefix)) {
    return "has characters outside S3's safe set: use letters, digits, '/', and ! - _ . * ' ( )";
  }
  if (keyPrefix.split("/").some((segment) => segment === "." || segment === "..")) {
    return 'has a "." or ".." folder, which S3 keeps literally: name the folders';
  }
  return undefined;
}

function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, "");
}

/** The state keys of the clusters' stacks must fit S3's key limit; the longest stack name decides. */
export function stateKeyProblems(
  keyPrefix: string | undefined,
  clusterNames: readonly (string | undefined)[],
): ConfigProblem[] {
  if (keyPrefix === undefined) return [];
  const keys = clusterNames
    .filter((name): name is string => name !== undefined)
    .flatMap((name) => CLUSTER_STACK_STAGES.map((stage) => remoteStateKey(keyPrefix, stackName(name, stage))));
  const longest = keys.reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a), "");
  const bytes = Buffer.byteLength(longest);
  if (bytes <= MAX_S3_KEY_BYTES) return [];
  return [
    {
      path: "state.s3.keyPrefix",
      value: keyPrefix,
      message: `makes the state key of stack ${longest.slice(keyPrefix.length + 1, -".tfstate".length)} ${bytes} bytes long, over S3's limit of ${MAX_S3_KEY_BYTES}: shorten it by ${bytes - MAX_S3_KEY_BYTES} bytes`,
    },
  ];
}
