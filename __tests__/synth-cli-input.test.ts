import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { MAX_LISTED_PROBLEMS } from "../config/problems";
import { validConfig } from "./helpers/config-problems";
import { TS_NODE_ARGS } from "./helpers/run-ts";
import { runCollecting } from "./helpers/spawn";
import { PROJECT_DIR } from "./helpers/synth";

/**
 * The app entry (main.ts, as cdktf.json runs it) with inputs that are not a config file, and its
 * output through a pipe that is read late, as `cdktf synth | less` or CI log capture read it.
 */

const workDir = mkdtempSync(path.join(tmpdir(), "mesh-cli-input-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  /** Whether the run wrote an output directory. */
  readonly wrote: boolean;
}

/** How long the reader leaves the pipe unread: long enough for the child to fill it and try to end. */
const READER_DELAY_SECONDS = 0.5;
/** A hang (the named pipe) is reported as a failure long before jest's own timeout. */
const HANG_MS = 30000;

/**
 * Runs node with `args`, its stderr into a real pipe whose reader starts READER_DELAY_SECONDS
 * late, as a pager does. (A child's stdio under Node is a socket the parent drains at once, which
 * would hide a cut message.) bash's pipefail gives node's exit code.
 */
async function runReadLate(args: string[], env: Record<string, string>, name: string): Promise<Run> {
  const outdir = path.join(workDir, `out-${name}`);
  const command = `set -o pipefail; "$0" "$@" 2>&1 >/dev/null | { sleep ${READER_DELAY_SECONDS}; cat; }`;
  const run = await runCollecting("bash", ["-c", command, process.execPath, ...args], {
    cwd: PROJECT_DIR,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_OUTDIR: outdir, ...env },
    timeoutMs: HANG_MS,
  });
  if (run.timedOut) throw new Error(`${name}: still running after ${HANG_MS} ms`);
  // The command line swaps the streams: node's stderr is what bash writes to its stdout.
  return { code: run.code, stderr: run.stdout, wrote: existsSync(outdir) };
}

const runApp = (env: Record<string, string>, name: string) => runReadLate([...TS_NODE_ARGS, "main.ts"], env, name);

const fifo = path.join(workDir, "nobody-writes.yaml");
execFileSync("mkfifo", [fifo]);
const manyProblems = path.join(workDir, "many.yaml");
writeFileSync(
  manyProblems,
  stringify({ ...validConfig(), ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])) }),
);

// Started together; each case reads its own result.
const runs = {
  fifo: runApp({ MESH_CONFIG: fifo }, "fifo"),
  zero: runApp({ MESH_CONFIG: "/dev/zero" }, "zero"),
  empty: runApp({ MESH_CONFIG: "" }, "empty"),
  blank: runApp({ MESH_CONFIG: "  " }, "blank"),
  many: runApp({ MESH_CONFIG: manyProblems }, "many"),
  // The helper main.ts reports with, given more than a pipe's 64 KiB buffer holds.
  long: runReadLate(
    [
      ...TS_NODE_ARGS,
      "-e",
      `require(${JSON.stringify(path.join(PROJECT_DIR, "config", "report-failure.ts"))}).reportFailure("x".repeat(300000) + "END")`,
    ],
    {},
    "long",
  ),
};

describe("main.ts with MESH_CONFIG naming something that is not a config file", () => {
  it.each([
    ["fifo", "a named pipe nobody writes to", `MESH_CONFIG ${fifo} is not valid:\n  the file is a named pipe`],
    ["zero", "/dev/zero", "MESH_CONFIG /dev/zero is not valid:\n  the file is a character device, not a regular file"],
  ] as const)("%s (%s): exits 1 at once with the message, writing nothing", async (key, _name, message) => {
    const run = await runs[key];
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("point MESH_CONFIG at a YAML file");
    expect(run.wrote).toBe(false);
  });

  it.each(["empty", "blank"] as const)(
    "MESH_CONFIG set but %s: exits 1 instead of synthesizing the example",
    async (key) => {
      const run = await runs[key];
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^MESH_CONFIG is not valid:\n {2}MESH_CONFIG " *" is set but empty: set it to your config file/,
      );
      expect(run.stderr).toContain("unset MESH_CONFIG");
      expect(run.wrote).toBe(false);
    },
  );
});

describe("a long failure message through a pipe read late", () => {
  it("arrives whole, with the exit code", async () => {
    const run = await runs.long;
    expect(run.code).toBe(1);
    // Lengths only: a failure must not print the 300 kB.
    expect({ length: run.stderr.length, end: run.stderr.slice(-4) }).toEqual({ length: 300004, end: "END\n" });
  });

  it("from main.ts: five thousand unknown keys give the capped list, whole", async () => {
    const run = await runs.many;
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1 + MAX_LISTED_PROBLEMS + 1);
    expect(lines[1]).toMatch(/^ {2}k0 is not a known setting/);
    expect(lines[lines.length - 1]).toBe(
      `  and ${5000 - MAX_LISTED_PROBLEMS} more problems: fix the ones above and run again`,
    );
    expect(run.wrote).toBe(false);
  });
});
