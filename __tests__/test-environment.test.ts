import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { loadMeshConfig } from "../config/load";
import { isUserSetting } from "./helpers/user-settings";
import { PROJECT_DIR } from "./helpers/synth";

/**
 * The README tells users to `export MESH_CONFIG=my-mesh.yaml`; `npm test` must pass after that
 * as before: no test reads the user's mesh, output directory or Terraform settings.
 */
describe("the test environment", () => {
  it("holds none of the user's mesh, cdktf or Terraform settings", () => {
    expect(Object.keys(process.env).filter(isUserSetting)).toEqual([]);
    expect(loadMeshConfig().spec.meshId).toBe("mesh1");
  });

  it("stays so when the user has exported them before npm test", () => {
    if (process.env.ISOLATED_ENV_PROBE) return; // the nested run below only checks the test above
    const jest = path.join(PROJECT_DIR, "node_modules", ".bin", "jest");
    const result = spawnSync(jest, ["--runTestsByPath", __filename, "-t", "holds none"], {
      cwd: PROJECT_DIR,
      env: {
        ...process.env,
        ISOLATED_ENV_PROBE: "1",
        MESH_CONFIG: "my-mesh.yaml",
        CDKTF_OUTDIR: "/tmp/elsewhere",
        TF_CLI_ARGS_plan: "-lock=false",
      },
      encoding: "utf8",
    });
    expect(result.stderr).toMatch(/Tests:\s+1 skipped, 1 passed, 2 total/);
    expect(result.status).toBe(0);
  });
});
