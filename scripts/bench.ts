/**
 * `npm run bench`: how long `cdktf synth` takes for this project against a one-resource cdktf
 * app on the same node_modules, how it scales from 2 to 16 clusters, its peak memory, and how
 * long the whole test suite takes cold (no jest cache).
 * Prints figures; it asserts nothing (timing belongs here, not in tests).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { PROJECT_DIR } from "../config/project";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGETS = { ratio: 1.15, scaling: 1.5, peakRssMiB: 400, coldTestSeconds: 20 };
const GNU_TIME = "/usr/bin/time";
const CDKTF = path.join(PROJECT_DIR, "node_modules", ".bin", "cdktf");

interface Sample {
  readonly seconds: number;
  readonly peakRssMiB?: number;
}

function synthOnce(cwd: string, env: NodeJS.ProcessEnv): Sample {
  const outdir = mkdtempSync(path.join(tmpdir(), "bench-out-"));
  const withTime = existsSync(GNU_TIME);
  const command = withTime ? GNU_TIME : CDKTF;
  const args = withTime ? ["-f", "%M", CDKTF, "synth", "--output", outdir] : ["synth", "--output", outdir];
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env },
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(outdir, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`cdktf synth failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  const rssKiB = withTime ? Number(result.stderr.trim().split("\n").pop()) : NaN;
  return { seconds, peakRssMiB: Number.isFinite(rssKiB) ? rssKiB / 1024 : undefined };
}

function measure(label: string, cwd: string, env: NodeJS.ProcessEnv = {}): { median: number; peakRssMiB?: number } {
  synthOnce(cwd, env); // warm the file cache
  const samples = Array.from({ length: RUNS }, () => synthOnce(cwd, env));
  const times = samples.map((sample) => sample.seconds).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const rss = samples.map((sample) => sample.peakRssMiB ?? 0);
  const peakRssMiB = rss.some(Boolean) ? Math.max(...rss) : undefined;
  console.log(
    `${label.padEnd(34)} median ${median.toFixed(2)} s   peak RSS ${peakRssMiB ? `${peakRssMiB.toFixed(0)} MiB` : "n/a"}`,
  );
  return { median, peakRssMiB };
}

/** Wall time of the whole jest suite with no transform cache, as on a fresh clone. */
function coldTestSuiteSeconds(): number {
  const started = process.hrtime.bigint();
  const jest = path.join(PROJECT_DIR, "node_modules", ".bin", "jest");
  const result = spawnSync(jest, ["--no-cache", "--silent"], { cwd: PROJECT_DIR, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`the test suite failed:\n${result.stderr}`);
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
  writeFileSync(file, stringify({ meshId: "bench", apiAllowedCidrs: ["203.0.113.0/24"], clusters }));
  return file;
}

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-"));
  try {
    console.log(
      `cdktf synth, median of ${RUNS} runs after one warm-up, on ${process.platform} node ${process.version}\n`,
    );
    const floor = measure("one-resource cdktf app (floor)", emptyApp(dir));
    const project = measure("default config (2 clusters)", PROJECT_DIR);
    const two = measure("generated 2 clusters", PROJECT_DIR, { MESH_CONFIG: meshConfig(dir, 2) });
    const sixteen = measure("generated 16 clusters", PROJECT_DIR, { MESH_CONFIG: meshConfig(dir, 16) });
    const ratio = project.median / floor.median;
    const scaling = sixteen.median / two.median;
    const peak = Math.max(project.peakRssMiB ?? 0, sixteen.peakRssMiB ?? 0);
    const verdict = (ok: boolean) => (ok ? "ok" : "OVER TARGET");
    console.log("");
    console.log(
      `default / floor        ${ratio.toFixed(2)}  (target <= ${TARGETS.ratio}) ${verdict(ratio <= TARGETS.ratio)}`,
    );
    console.log(
      `16 / 2 clusters        ${scaling.toFixed(2)}  (target <= ${TARGETS.scaling}) ${verdict(scaling <= TARGETS.scaling)}`,
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

main();
