import { synthExample } from "./helpers/synth";

/**
 * The whole synthesized default mesh, stack by stack: a change to any resource shows up here as a
 * diff to review (update with `npx jest -u` when the change is meant). The targeted invariants
 * live in the other test files.
 */
const stacks = synthExample("two-clusters.yaml");

it("synthesizes the stacks of the default mesh", () => {
  expect(Object.keys(stacks).sort()).toEqual([
    "cluster1-eks",
    "cluster1-mesh-links",
    "cluster1-network",
    "cluster1-platform",
    "cluster2-eks",
    "cluster2-mesh-links",
    "cluster2-network",
    "cluster2-platform",
  ]);
});

it.each(Object.keys(stacks).sort())("keeps stack %s as reviewed", (name) => {
  expect(stacks[name]).toMatchSnapshot();
});
