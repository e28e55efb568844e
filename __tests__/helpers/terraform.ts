import { execFileSync } from "node:child_process";

/**
 * Whether a terraform binary is on the PATH. Tests that run Terraform offline (validate, console,
 * apply of provider-free modules) need one; CI and the development machines have it.
 */
export const hasTerraform: boolean = (() => {
  try {
    execFileSync("terraform", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** CI sets CI=true (GitHub Actions, GitLab, most others). */
const inCi = ["true", "1"].includes((process.env.CI ?? "").toLowerCase());

/**
 * Whether tests that need `tool` can run. On a developer's machine a missing tool skips them;
 * under CI=true it registers a failing test instead, so a broken install step cannot turn the
 * suite green. Use as `(needs("terraform", hasTerraform) ? describe : describe.skip)(...)`.
 */
export function needs(tool: string, installed: boolean): boolean {
  if (!installed && inCi) {
    it(`has ${tool} (CI=true: tests that need it fail rather than skip)`, () => {
      throw new Error(`${tool} is missing on this CI machine: install it, or the tests that need it do not run`);
    });
  }
  return installed;
}
