import { TERRAFORM_STRING_HAZARDS, TerraformStringHazard, terraformStringHazard } from "../terraform-strings";

/** Longest file name (one path component) Linux and macOS file systems take, in bytes. */
export const MAX_FILE_NAME_BYTES = 255;
/** Longest path the system calls take (PATH_MAX on Linux), in bytes. */
export const MAX_PATH_BYTES = 4096;

const CA_DIRECTORY_FIXES: Readonly<Record<TerraformStringHazard, string>> = {
  quote: "use '/' between folders and rename folders with quotes",
  template: "rename the directory",
  control: "remove it",
};

/**
 * Why `directory` cannot be the CA directory, or undefined. It reaches the synthesized Terraform
 * inside file() calls, where a quote or backslash would end or escape the string and `${` or `%{`
 * would start a template; and it must be a path the file system can hold.
 */
export function caDirectoryProblem(directory: string): string | undefined {
  if (!directory.trim()) return 'is only whitespace: name a directory, or remove the line to use "ca"';
  if (directory !== directory.trim()) {
    return `starts or ends with whitespace, which is easy to miss: write "${directory.trim()}"`;
  }
  const hazard = terraformStringHazard(directory);
  if (hazard) return `${TERRAFORM_STRING_HAZARDS[hazard]}: ${CA_DIRECTORY_FIXES[hazard]}`;
  const long = directory.split("/").find((name) => Buffer.byteLength(name) > MAX_FILE_NAME_BYTES);
  if (long !== undefined) {
    return `has a folder name of ${Buffer.byteLength(long)} bytes, longer than file systems allow (${MAX_FILE_NAME_BYTES}): shorten it`;
  }
  if (Buffer.byteLength(directory) > MAX_PATH_BYTES) {
    return `is ${Buffer.byteLength(directory)} bytes long, over the system's path limit of ${MAX_PATH_BYTES}: shorten it`;
  }
  return undefined;
}
