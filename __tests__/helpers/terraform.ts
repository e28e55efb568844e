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
