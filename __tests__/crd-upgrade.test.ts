import { readFileSync } from "node:fs";
import * as path from "node:path";
import { LOAD_BALANCER_CONTROLLER_CHART } from "../constructs/addons/load-balancer-controller";
import { PROJECT_DIR } from "./helpers/synth";

/**
 * Helm never upgrades a chart's crds/, so the README gives the command that does, per controller
 * version: a chart bump that forgets the command would leave the CRDs of the old version.
 */
describe("the LB controller's CRD upgrade step", () => {
  const readme = readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
  const urls = [
    ...readme.matchAll(
      /https:\/\/raw\.githubusercontent\.com\/kubernetes-sigs\/aws-load-balancer-controller\/(v[^/]+)\/helm\/aws-load-balancer-controller\/crds\/([\w-]+\.yaml)/g,
    ),
  ];

  it("applies both CRD files of the chart's crds/ directory", () => {
    expect(urls.map((match) => match[2]).sort()).toEqual(["crds.yaml", "gateway-crds.yaml"]);
  });

  it("names the same version as the chart the program installs", () => {
    for (const match of urls) expect(match[1]).toBe(`v${LOAD_BALANCER_CONTROLLER_CHART.version}`);
  });
});
