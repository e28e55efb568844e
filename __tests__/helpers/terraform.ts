import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

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

/** The local provider mirror (terraform init -plugin-dir) and the AWS provider version it holds. */
export const PLUGIN_DIR = process.env.TF_PLUGIN_DIR ?? "/opt/tf-plugins";
export const MIRRORED_AWS_VERSION = process.env.TF_AWS_PROVIDER_VERSION ?? "5.100.0";
/** Whether terraform and the mirrored AWS provider are both here. */
export const hasAwsProviderMirror: boolean =
  hasTerraform && existsSync(path.join(PLUGIN_DIR, "registry.terraform.io", "hashicorp", "aws", MIRRORED_AWS_VERSION));

const AUTOMATION_ENV = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };

/** Initialises the module in `dir` from the local provider mirror, offline. */
export function initFromMirror(dir: string): void {
  execFileSync("terraform", ["init", "-backend=false", "-input=false", `-plugin-dir=${PLUGIN_DIR}`], {
    cwd: dir,
    env: AUTOMATION_ENV,
    stdio: "pipe",
  });
}

/** Runs terraform in `dir`; when it exits non-zero, `failed` is set and the output is still returned. */
export function terraformIn(dir: string, args: readonly string[]): { stdout: string; stderr: string; failed: boolean } {
  try {
    const stdout = execFileSync("terraform", args, { cwd: dir, env: AUTOMATION_ENV, encoding: "utf8" });
    return { stdout, stderr: "", failed: false };
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return { stdout, stderr, failed: true };
  }
}

/**
 * Evaluates Terraform expressions: applies a provider-free module holding only these outputs, in
 * a temporary directory, and returns `terraform output -json`.
 */
export function evaluateOutputs<T = unknown>(
  outputs: Readonly<Record<string, { readonly value: unknown }>>,
  dirPrefix: string,
): Record<string, { value: T }> {
  const moduleDir = mkdtempSync(path.join(tmpdir(), dirPrefix));
  try {
    writeFileSync(path.join(moduleDir, "main.tf.json"), JSON.stringify({ output: outputs }));
    const env = { ...AUTOMATION_ENV, TF_CLI_CONFIG_FILE: "/dev/null" };
    const terraform = (...args: string[]) =>
      execFileSync("terraform", args, { cwd: moduleDir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    terraform("init", "-input=false", "-backend=false");
    terraform("apply", "-auto-approve", "-input=false");
    return JSON.parse(terraform("output", "-json"));
  } finally {
    rmSync(moduleDir, { recursive: true, force: true });
  }
}

/** Evaluates one expression with `terraform console`, in an empty module, and returns what it prints. */
export function terraformEval(expression: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tf-eval-"));
  try {
    return execFileSync("terraform", ["console"], {
      cwd: dir,
      input: `${expression}\n`,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
