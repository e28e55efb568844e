import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/project";

/**
 * Terraform addresses are a contract with the infrastructure users already run: renaming a
 * construct id destroys the old resource and creates a new one. The committed fixture lists every
 * address (`<stack>/<type>.<name>`, data sources as `<stack>/data.<type>.<name>`) the examples
 * synthesize. Resources and data sources are what Terraform keeps in state; outputs and locals
 * are not listed, since renaming them replaces nothing.
 */

/** Synthesized Terraform JSON of one stack. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StackJson = Record<string, any>;

/** A `moved` block of one stack: Terraform moves the state of `from` to `to` in that stack. */
export interface Move {
  readonly stack: string;
  readonly from: string;
  readonly to: string;
}

/** How a synthesized program differs from the committed addresses. */
export interface AddressReview {
  /** Committed resources that are gone with no `moved` block from them: fails. */
  readonly removed: string[];
  /** Committed data sources that are gone (Terraform cannot move them; it reads them again): needs a new fixture. */
  readonly removedData: string[];
  /** `moved` blocks that are wrong (target missing, or source still present): fails. */
  readonly badMoves: string[];
  /** Committed resources that are gone but covered by a `moved` block. */
  readonly moved: Move[];
  /**
   * Committed resources that are gone and covered by a `removed` block that keeps the object
   * (`destroy = false`): Terraform forgets them, destroying nothing. As `<stack>/<address>`.
   */
  readonly forgotten: string[];
  /** Addresses not in the fixture: allowed, printed for the reviewer. */
  readonly added: string[];
}

export const ADDRESS_FIXTURE_DIR = path.join(PROJECT_DIR, "__tests__", "fixtures", "terraform-addresses");
/** The examples whose addresses are committed, each under ADDRESS_FIXTURE_DIR as `<example>.txt`. */
export const ADDRESS_EXAMPLES = ["two-clusters", "three-regions"] as const;

export const addressFixturePath = (example: string) => path.join(ADDRESS_FIXTURE_DIR, `${example}.txt`);

const DATA_PREFIX = "data.";

/** Every resource and data source address of the synthesized stacks, sorted. */
export function addressesOf(stacks: Record<string, StackJson>): string[] {
  return Object.entries(stacks)
    .flatMap(([stack, json]) => [
      ...blockAddresses(json.resource).map((address) => `${stack}/${address}`),
      ...blockAddresses(json.data).map((address) => `${stack}/${DATA_PREFIX}${address}`),
    ])
    .sort();
}

function blockAddresses(block: Record<string, Record<string, unknown>> | undefined): string[] {
  return Object.entries(block ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
}

/** Every `moved` block of the synthesized stacks. */
export function movesOf(stacks: Record<string, StackJson>): Move[] {
  return Object.entries(stacks).flatMap(([stack, json]) =>
    ((json.moved ?? []) as { from: string; to: string }[]).map(({ from, to }) => ({ stack, from, to })),
  );
}

/** Every `removed` block of the synthesized stacks that keeps the object, as `<stack>/<address>`. */
export function forgottenOf(stacks: Record<string, StackJson>): string[] {
  return Object.entries(stacks).flatMap(([stack, json]) =>
    ((json.removed ?? []) as { from: string; lifecycle?: { destroy?: boolean } }[])
      .filter((block) => block.lifecycle?.destroy === false)
      .map(({ from }) => `${stack}/${from}`),
  );
}

/** `aws_vpc.main["a"]` names an instance of `aws_vpc.main`. */
const withoutIndex = (address: string) => address.replace(/\[.*\]$/, "");

/** Compares the committed addresses with a synthesized program. */
export function reviewAddresses(committed: readonly string[], stacks: Record<string, StackJson>): AddressReview {
  const current = new Set(addressesOf(stacks));
  const moves = movesOf(stacks);
  const moveFrom = new Map(moves.map((move) => [`${move.stack}/${move.from}`, move]));
  const forgotten = new Set(forgottenOf(stacks));
  const gone = committed.filter((address) => !current.has(address));
  const isData = (address: string) => address.split("/")[1].startsWith(DATA_PREFIX);
  const badMoves = moves.flatMap((move) => {
    const problems: string[] = [];
    if (!current.has(`${move.stack}/${withoutIndex(move.to)}`))
      problems.push(`${move.stack}: moved from ${move.from} to ${move.to}, which the program does not declare`);
    if (current.has(`${move.stack}/${move.from}`))
      problems.push(`${move.stack}: moved from ${move.from}, which the program still declares`);
    return problems;
  });
  const badRemovals = [...forgotten]
    .filter((address) => current.has(address))
    .map((address) => `${address.replace("/", ": ")} is in a removed block, but the program still declares it`);
  const committedSet = new Set(committed);
  return {
    removed: gone.filter((address) => !isData(address) && !moveFrom.has(address) && !forgotten.has(address)),
    removedData: gone.filter(isData),
    badMoves: [...badMoves, ...badRemovals],
    moved: gone.flatMap((address) => moveFrom.get(address) ?? []),
    forgotten: gone.filter((address) => forgotten.has(address)),
    added: [...current].filter((address) => !committedSet.has(address)),
  };
}

/** The committed addresses of an example; empty when there is no fixture yet. */
export function readAddressFixture(example: string): string[] {
  const file = addressFixturePath(example);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
}

export function formatAddressFixture(example: string, addresses: readonly string[]): string {
  return [
    `# Terraform addresses of examples/${example}.yaml: resources and data sources, <stack>/<address>.`,
    "# Generated by `npm run addresses`; a test fails when one disappears without a moved block.",
    ...addresses,
    "",
  ].join("\n");
}

/** A review as lines a person reads: what fails first, then what is only reported. */
export function describeReview(example: string, review: AddressReview): string[] {
  const section = (title: string, lines: string[]) =>
    lines.length ? [`${example}: ${title}`, ...lines.map((l) => `  ${l}`)] : [];
  return [
    ...section(
      "removed or renamed without a moved block (this replaces real infrastructure; declare the rename with moveTo or moveFromId)",
      review.removed,
    ),
    ...section("wrong moved blocks", review.badMoves),
    ...section(
      "data sources removed or renamed (Terraform reads them again; accept with npm run addresses)",
      review.removedData,
    ),
    ...section(
      "moved",
      review.moved.map((move) => `${move.stack}/${move.from} -> ${move.stack}/${move.to}`),
    ),
    ...section("forgotten by a removed block (left in place, dropped from state)", review.forgotten),
    ...section("new addresses", review.added),
  ];
}

/** Every stack's Terraform JSON in a `cdktf synth` output directory, by stack name. */
export function readSynthesizedStacks(outdir: string): Record<string, StackJson> {
  const stacksDir = path.join(outdir, "stacks");
  return Object.fromEntries(
    readdirSync(stacksDir).map((name) => [
      name,
      JSON.parse(readFileSync(path.join(stacksDir, name, "cdk.tf.json"), "utf8")),
    ]),
  );
}
