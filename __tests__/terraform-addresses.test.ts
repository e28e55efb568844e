import { App, TerraformStack } from "cdktf";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { Sleep } from "@cdktf/provider-time/lib/sleep";
import {
  ADDRESS_EXAMPLES,
  addressesOf,
  describeReview,
  readAddressFixture,
  reviewAddresses,
} from "../scripts/terraform-addresses";
import { synthExample, synthWith } from "./helpers/synth";

/**
 * Every Terraform address the examples had when the fixture was committed must still exist, or be
 * moved by a `moved` block to one that exists: otherwise `terraform apply` destroys real
 * infrastructure and creates it again. New addresses pass; they are printed for the reviewer.
 */
describe.each(ADDRESS_EXAMPLES)("the Terraform addresses of examples/%s.yaml", (example) => {
  const committed = readAddressFixture(example);
  const review = reviewAddresses(committed, synthExample(`${example}.yaml`));
  const newAddresses = describeReview(example, { ...review, removed: [], badMoves: [], removedData: [] });
  if (newAddresses.length) console.log(newAddresses.join("\n"));

  it("are committed as a fixture", () => {
    expect(committed.length).toBeGreaterThan(100);
  });

  it("keep every committed resource, or move it with a moved block to one that exists", () => {
    expect(review.removed).toEqual([]);
    expect(review.badMoves).toEqual([]);
  });

  it("keep every committed data source (regenerate the fixture with `npm run addresses` when one goes)", () => {
    expect(review.removedData).toEqual([]);
  });
});

/** A throwaway stack with one resource, to show that the check tells a declared move from a rename. */
function synthRename(declare: (stack: TerraformStack) => void) {
  return synthWith((app: App) => {
    const stack = new TerraformStack(app, "demo");
    new TimeProvider(stack, "time");
    declare(stack);
  }).stacks;
}
const sleep = (stack: TerraformStack, id: string) => new Sleep(stack, id, { createDuration: "1s" });

describe("the address check", () => {
  const committed = addressesOf(synthRename((stack) => sleep(stack, "before")));

  it("lists resources by stack and address", () => {
    expect(committed).toEqual(["demo/time_sleep.before"]);
  });

  it("rejects a renamed id that declares no move", () => {
    const review = reviewAddresses(
      committed,
      synthRename((stack) => sleep(stack, "after")),
    );
    expect(review.removed).toEqual(["demo/time_sleep.before"]);
    expect(review.added).toEqual(["demo/time_sleep.after"]);
  });

  it("accepts a rename declared with moveFromId", () => {
    const review = reviewAddresses(
      committed,
      synthRename((stack) => sleep(stack, "after").moveFromId("time_sleep.before")),
    );
    expect(review.removed).toEqual([]);
    expect(review.badMoves).toEqual([]);
    expect(review.moved).toEqual([{ stack: "demo", from: "time_sleep.before", to: "time_sleep.after" }]);
  });

  it("accepts a rename declared with moveTo", () => {
    const review = reviewAddresses(
      committed,
      synthRename((stack) => {
        sleep(stack, "after").addMoveTarget("renamed-sleep");
        sleep(stack, "before").moveTo("renamed-sleep");
      }),
    );
    expect(review.removed).toEqual([]);
    expect(review.badMoves).toEqual([]);
    expect(review.moved).toEqual([{ stack: "demo", from: "time_sleep.before", to: "time_sleep.after" }]);
  });

  it("rejects a move to an address the program does not declare", () => {
    const review = reviewAddresses(
      committed,
      synthRename((stack) => {
        sleep(stack, "after");
        sleep(stack, "before").moveToId("time_sleep.aftr");
      }),
    );
    expect(review.badMoves).toEqual([
      "demo: moved from time_sleep.before to time_sleep.aftr, which the program does not declare",
    ]);
  });

  it("accepts a resource dropped with a removed block that keeps it, and rejects one still declared", () => {
    const forget = (stack: TerraformStack) =>
      stack.addOverride("removed", [{ from: "time_sleep.before", lifecycle: { destroy: false } }]);
    const dropped = reviewAddresses(
      committed,
      synthRename((stack) => forget(stack)),
    );
    expect(dropped.removed).toEqual([]);
    expect(dropped.forgotten).toEqual(["demo/time_sleep.before"]);
    const stillDeclared = reviewAddresses(
      committed,
      synthRename((stack) => {
        sleep(stack, "before");
        forget(stack);
      }),
    );
    expect(stillDeclared.badMoves).toEqual([
      "demo: time_sleep.before is in a removed block, but the program still declares it",
    ]);
  });
});
