/**
 * `npm run bench`: how long `cdktf synth` takes for this project against a one-resource cdktf
 * app on the same node_modules, how it scales from 2 to 16 clusters, its peak memory, and how
 * long the whole test suite takes cold (no jest cache; `--no-tests` skips it).
 *
 * Independent of the user's setup: every synth gets a generated config (the default example's
 * contents, or 2 and 16 generated clusters) whose CA directory does not exist, and none of the
 * user's MESH_CONFIG or cdktf settings. Runs that are compared alternate (A B A B ...), and each
 * ratio is the median of the per-pair ratios with their range, so a machine that slows down
 * mid-run shows up as a wide range instead of a wrong figure.
 * Prints figures; it asserts nothing (timing belongs here, not in tests).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { DEFAULT_CONFIG_PATH, PROJECT_DIR } from "../config/project";
import { absentCaDirectory, withoutUserCa } from "./isolated-config";
import { checkScriptArguments } from "./script-arguments";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGETS = { ratio: 1.15, scaling: 1.5, peakRssMiB: 400, coldTestSeconds: 20 };
const GNU_TIME = "/usr/bin/time";
const CDKTF = path.join(PROJECT_DIR, "node_modules", ".bin", "cdktf");

interface Sample {
  readonly seconds: number;
  readonly peakRssMiB?: number;
}

/** The environment of every synth: the user's, without what would change what is measured. */
function benchEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== "MESH_CONFIG" && !name.startsWith("CDKTF_")),
  );
  return { ...clean, CHECKPOINT_DISABLE: "1", ...env };
}

function synthOnce(cwd: string, env: NodeJS.ProcessEnv): Sample {
  const outdir = mkdtempSync(path.join(tmpdir(), "bench-out-"));
  const withTime = existsSync(GNU_TIME);
  const command = withTime ? GNU_TIME : CDKTF;
  const args = withTime ? ["-f", "%M", CDKTF, "synth", "--output", outdir] : ["synth", "--output", outdir];
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd,
    env: benchEnvironment(env),
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(outdir, { recursive: true, force: true });
  if (result.status !== 0) throw new BenchError(`cdktf synth failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  const rssKiB = withTime ? Number(result.stderr.trim().split("\n").pop()) : NaN;
  return { seconds, peakRssMiB: Number.isFinite(rssKiB) ? rssKiB / 1024 : undefined };
}

/** One side of a comparison: a label, the app's directory and the environment of its synth. */
interface Subject {
  readonly label: string;
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

interface Comparison {
  readonly a: { readonly median: number; readonly peakRssMiB?: number };
  readonly b: { readonly median: number; readonly peakRssMiB?: number };
  /** b / a per pair: median, lowest and highest. */
  readonly ratio: { readonly median: number; readonly min: number; readonly max: number };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** RUNS pairs of synths, A then B, after one warm-up of each. */
function compare(a: Subject, b: Subject): Comparison {
  synthOnce(a.cwd, a.env ?? {});
  synthOnce(b.cwd, b.env ?? {});
  const pairs = Array.from({ length: RUNS }, () => [synthOnce(a.cwd, a.env ?? {}), synthOnce(b.cwd, b.env ?? {})]);
  const summary = (samples: Sample[], label: string) => {
    const rss = samples.map((sample) => sample.peakRssMiB ?? 0);
    const result = {
      median: median(samples.map((sample) => sample.seconds)),
      peakRssMiB: rss.some(Boolean) ? Math.max(...rss) : undefined,
    };
    const memory = result.peakRssMiB ? `${result.peakRssMiB.toFixed(0)} MiB` : "n/a";
    console.log(`${label.padEnd(34)} median ${result.median.toFixed(2)} s   peak RSS ${memory}`);
    return result;
  };
  const ratios = pairs.map(([first, second]) => second.seconds / first.seconds);
  return {
    a: summary(
      pairs.map(([first]) => first),
      a.label,
    ),
    b: summary(
      pairs.map(([, second]) => second),
      b.label,
    ),
    ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
  };
}

/** Wall time of the whole jest suite with no transform cache, as on a fresh clone. */
function coldTestSuiteSeconds(): number {
  const started = process.hrtime.bigint();
  const jest = path.join(PROJECT_DIR, "node_modules", ".bin", "jest");
  const result = spawnSync(jest, ["--no-cache", "--silent"], { cwd: PROJECT_DIR, encoding: "utf8" });
  if (result.status !== 0) throw new BenchError(`the test suite failed:\n${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The floor: an app with one stack, one provider and one resource, on the same node_modules and launcher. */
function emptyApp(dir: string): string {
  const app = path.join(dir, "empty-app");
  spawnSync("mkdir", ["-p", app]);
  symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(app, "node_modules"));
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "floor", private: true }));
  const launcher = path.join(PROJECT_DIR, "scripts", "register-ts.js");
  writeFileSync(
    path.join(app, "cdktf.json"),
    JSON.stringify({ language: "typescript", app: `node --require ${launcher} main.ts`, sendCrashReports: "false" }),
  );
  writeFileSync(
    path.join(app, "main.ts"),
    [
      'import { App, TerraformStack } from "cdktf";',
      'import { AwsProvider } from "@cdktf/provider-aws/lib/provider";',
      'import { Vpc } from "@cdktf/provider-aws/lib/vpc";',
      "const app = new App();",
      'const stack = new TerraformStack(app, "one");',
      'new AwsProvider(stack, "aws", { region: "us-west-2" });',
      'new Vpc(stack, "vpc", { cidrBlock: "10.0.0.0/16" });',
      "app.synth();",
    ].join("\n"),
  );
  return app;
}

const REGIONS = [
  "us-west-2",
  "us-east-1",
  "us-east-2",
  "eu-west-1",
  "eu-central-1",
  "ap-southeast-1",
  "ap-northeast-1",
  "sa-east-1",
];

/** A mesh of `count` clusters with distinct /16s, spread over regions. */
function meshConfig(dir: string, count: number): string {
  const file = path.join(dir, `mesh-${count}.yaml`);
  const clusters = Array.from({ length: count }, (_, index) => ({
    name: `cluster${index + 1}`,
    region: REGIONS[index % REGIONS.length],
    vpcCidr: `10.${100 + index}.0.0/16`,
    // One NAT address per cluster keeps 16 clusters within EKS's 40 public-access ranges.
    natGateways: "single",
  }));
  const certificateAuthority = { directory: absentCaDirectory(dir) };
  writeFileSync(
    file,
    stringify({ meshId: "bench", apiAllowedCidrs: ["203.0.113.0/24"], certificateAuthority, clusters }),
  );
  return file;
}

/** A failure of what the benchmark runs: printed as it is, without a stack trace. */
class BenchError extends Error {}

const verdict = (ok: boolean) => (ok ? "ok" : "OVER TARGET");
const range = (ratio: Comparison["ratio"]) =>
  `${ratio.median.toFixed(2)} (pairs ${ratio.min.toFixed(2)} to ${ratio.max.toFixed(2)})`;

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-"));
  try {
    console.log(
      `cdktf synth: ${RUNS} alternating pairs after one warm-up each, on ${process.platform} node ${process.version}\n`,
    );
    const floor = { label: "one-resource cdktf app (floor)", cwd: emptyApp(dir) };
    const project = {
      label: "default config (2 clusters)",
      cwd: PROJECT_DIR,
      env: { MESH_CONFIG: withoutUserCa(DEFAULT_CONFIG_PATH, dir) },
    };
    const overFloor = compare(floor, project);
    const two = { label: "generated 2 clusters", cwd: PROJECT_DIR, env: { MESH_CONFIG: meshConfig(dir, 2) } };
    const sixteen = { label: "generated 16 clusters", cwd: PROJECT_DIR, env: { MESH_CONFIG: meshConfig(dir, 16) } };
    const scaling = compare(two, sixteen);
    const peak = Math.max(overFloor.b.peakRssMiB ?? 0, scaling.b.peakRssMiB ?? 0);
    console.log("");
    console.log(
      `default / floor        ${range(overFloor.ratio)}  (target <= ${TARGETS.ratio}) ${verdict(overFloor.ratio.median <= TARGETS.ratio)}`,
    );
    console.log(
      `16 / 2 clusters        ${range(scaling.ratio)}  (target <= ${TARGETS.scaling}) ${verdict(scaling.ratio.median <= TARGETS.scaling)}`,
    );
    if (peak)
      console.log(
        `peak RSS               ${peak.toFixed(0)} MiB (target <= ${TARGETS.peakRssMiB}) ${verdict(peak <= TARGETS.peakRssMiB)}`,
      );
    if (!process.argv.includes("--no-tests")) {
      const tests = coldTestSuiteSeconds();
      console.log(
        `test suite, cold       ${tests.toFixed(1)} s (target <= ${TARGETS.coldTestSeconds}) ${verdict(tests <= TARGETS.coldTestSeconds)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

checkScriptArguments("bench", process.argv.slice(2), ["--no-tests"]);
try {
  main();
} catch (error) {
  console.error(error instanceof BenchError ? error.message : `npm run bench failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
