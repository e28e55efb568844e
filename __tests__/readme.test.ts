import { readFileSync } from "node:fs";
import { README_PATH, generatedReadmeSections, withGeneratedSections } from "../scripts/readme-sections";

describe("README.md", () => {
  const readme = readFileSync(README_PATH, "utf8");

  it("shows the current config reference and default topology (npm run schema regenerates them)", () => {
    expect(withGeneratedSections(readme, generatedReadmeSections())).toBe(readme);
  });

  it("sets up a fresh machine with the two commands CI runs", () => {
    const ci = readFileSync(`${__dirname}/../.ci/run`, "utf8");
    expect(readme).toContain("npm ci && npm run synth");
    expect(readme).toContain("npm test ");
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).toMatch(/^npm run synth$/m);
  });
});
