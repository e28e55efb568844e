/**
 * `npm run addresses`: synthesizes both examples with `cdktf synth` and rewrites the committed
 * Terraform address fixtures. It refuses (exit 1, nothing written) when a committed resource is
 * gone and no `moved` block covers it, or when a `moved` block points nowhere: such a change
 * would replace real infrastructure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/project";
import { checkScriptArguments } from "./script-arguments";
import {
  ADDRESS_EXAMPLES,
  addressesOf,
  addressFixturePath,
  describeReview,
  formatAddressFixture,
  readAddressFixture,
  readSynthesizedStacks,
  reviewAddresses,
} from "./terraform-addresses";
import { withoutUserCa } from "./isolated-config";

const CDKTF = path.join(PROJECT_DIR, "node_modules", ".bin", "cdktf");

function synthExample(example: string) {
  const outdir = mkdtempSync(path.join(tmpdir(), "addresses-"));
  const configDir = mkdtempSync(path.join(tmpdir(), "addresses-config-"));
  try {
    const result = spawnSync(CDKTF, ["synth", "--output", outdir], {
      cwd: PROJECT_DIR,
      env: {
        ...process.env,
        CHECKPOINT_DISABLE: "1",
        MESH_CONFIG: withoutUserCa(path.join(PROJECT_DIR, "examples", `${example}.yaml`), configDir),
      },
      encoding: "utf8",
    });
    if (result.status !== 0)
      throw new Error(`cdktf synth of examples/${example}.yaml failed:\n${result.stdout}${result.stderr}`);
    return readSynthesizedStacks(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  }
}

function main(): number {
  const results = ADDRESS_EXAMPLES.map((example) => {
    const stacks = synthExample(example);
    const committed = readAddressFixture(example);
    return { example, committed, addresses: addressesOf(stacks), review: reviewAddresses(committed, stacks) };
  });
  for (const { example, committed, review } of results) {
    // A first fixture lists everything as new: say only how many.
    if (committed.length) describeReview(example, review).forEach((line) => console.log(line));
  }
  if (results.some(({ review }) => review.removed.length || review.badMoves.length)) {
    console.error("Fixtures not updated: fix the program or declare the moves above.");
    return 1;
  }
  for (const { example, addresses } of results) {
    writeFileSync(addressFixturePath(example), formatAddressFixture(example, addresses));
    console.log(`${path.relative(PROJECT_DIR, addressFixturePath(example))}: ${addresses.length} addresses`);
  }
  return 0;
}

checkScriptArguments("addresses", process.argv.slice(2), []);
try {
  process.exitCode = main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
