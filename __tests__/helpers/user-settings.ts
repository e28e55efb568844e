/**
 * Settings a user may have exported (the README's `export MESH_CONFIG=my-mesh.yaml`, cdktf and
 * Terraform options) that would change what the program under test reads. Plain data, so a test
 * can check them without clearing them.
 */
export const USER_SETTINGS: readonly string[] = [
  "MESH_CONFIG",
  "CDKTF_OUTDIR",
  "CDKTF_CONTEXT_JSON",
  "CDKTF_TARGET_STACK_ID",
  "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS",
  "SYNTH_HCL_OUTPUT",
  "TF_DATA_DIR",
  "TF_WORKSPACE",
  "BENCH_RUNS",
];

export function isUserSetting(name: string): boolean {
  return USER_SETTINGS.includes(name) || name.startsWith("TF_CLI_ARGS");
}
