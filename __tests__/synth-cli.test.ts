import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { PROJECT_DIR } from "./helpers/synth";
import { TS_NODE_ARGS } from "./helpers/run-ts";

/**
 * The program as users run it: `cdktf.json`'s app command (node with the swc hook, main.ts) and the real
 * cdktf CLI, as subprocesses. Bad configs must fail before anything is written; good ones must
 * synthesize the same bytes every time, with no path of this machine in them.
 */

const run = promisify(execFile);

interface RunResult {
  readonly code: number;
  /** stdout and stderr together, as a terminal shows them. */
  readonly output: string;
}

async function runProgram(command: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  const options = { cwd: PROJECT_DIR, env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env }, maxBuffer: 64 << 20 };
  try {
    const { stdout, stderr } = await run(command, args, options);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : -1,
      output: `${failed.stdout ?? ""}${failed.stderr ?? ""}`,
    };
  }
}

/** What cdktf.json runs; App takes its output directory from CDKTF_OUTDIR, as cdktf-cli sets it. */
const runApp = (configPath: string | undefined, outdir: string, env: Record<string, string> = {}) =>
  runProgram(process.execPath, [...TS_NODE_ARGS, "main.ts"], {
    ...(configPath ? { MESH_CONFIG: configPath } : {}),
    CDKTF_OUTDIR: outdir,
    ...env,
  });

/** A JavaScript stack frame, as a thrown error prints it. */
const STACK_FRAME = /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$/m;

const workDir = mkdtempSync(path.join(tmpdir(), "mesh-cli-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const configFile = (name: string, text: string): string => {
  const filePath = path.join(workDir, name);
  writeFileSync(filePath, text);
  return filePath;
};
const EXAMPLE = readFileSync(path.join(PROJECT_DIR, "examples", "two-clusters.yaml"), "utf8");

describe("the app entry with a bad config", () => {
  const BAD_CONFIGS: readonly { name: string; text?: string; mentions: string[] }[] = [
    {
      name: "several.yaml",
      text: EXAMPLE.replace("meshId:", "meshID:")
        .replace("10.20.0.0/16", "10.10.128.0/17")
        .replace("us-east-2", "mars-1"),
      mentions: [
        'meshID is not a known setting: did you mean "meshId"?',
        'clusters[1].vpcCidr "10.10.128.0/17" overlaps clusters[0].vpcCidr',
        'clusters[1].region "mars-1"',
      ],
    },
    {
      name: "syntax.yaml",
      text: EXAMPLE.replace("  - name: cluster2", "  - name: cluster2\n   oops"),
      mentions: ["line 16, column 1", "is not valid YAML"],
    },
    { name: "empty.yaml", text: "", mentions: ["empty.yaml is not valid", "the file is empty"] },
    { name: "missing.yaml", mentions: ["missing.yaml is not valid", "the file does not exist"] },
  ];

  // Started at once with every other subprocess of this file; each case then only reads its result.
  const results = new Map(
    BAD_CONFIGS.map((bad) => {
      const configPath = bad.text === undefined ? path.join(workDir, bad.name) : configFile(bad.name, bad.text);
      const outdir = path.join(workDir, `out-${bad.name}`);
      return [bad.name, runApp(configPath, outdir).then((result) => ({ ...result, outdir }))] as const;
    }),
  );

  it.each(BAD_CONFIGS.map((bad) => [bad.name, bad] as const))(
    "%s: exits non-zero with the problem and no stack trace, writing nothing",
    async (name, bad) => {
      const { code, output, outdir } = await results.get(name)!;
      expect(code).not.toBe(0);
      for (const mention of bad.mentions) expect(output).toContain(mention);
      expect(output).not.toMatch(STACK_FRAME);
      expect(existsSync(outdir)).toBe(false);
    },
  );
});

describe("cdktf synth, the real CLI, with a bad config", () => {
  // Output of an earlier synth, as cdktf.out usually holds: a failed synth must leave it as it was.
  const outdir = path.join(workDir, "cli-out");
  mkdirSync(path.join(outdir, "stacks", "earlier"), { recursive: true });
  writeFileSync(path.join(outdir, "stacks", "earlier", "cdk.tf.json"), "{}");
  const before = readTree(outdir);
  const cdktf = path.join(PROJECT_DIR, "node_modules", ".bin", "cdktf");
  const configPath = configFile("cli-bad.yaml", EXAMPLE.replace("meshId:", "meshID:"));
  const result = runProgram(cdktf, ["synth", "--output", outdir], { MESH_CONFIG: configPath });

  it("exits non-zero with the problem and no stack trace, writing nothing", async () => {
    const { code, output } = await result;
    expect(code).not.toBe(0);
    expect(output).toContain('meshID is not a known setting: did you mean "meshId"?');
    expect(output).not.toMatch(STACK_FRAME);
    expect(readTree(outdir)).toEqual(before);
  });
});

describe("synth of the default config", () => {
  const outdirs = ["first", "second"].map((name) => path.join(workDir, `default-${name}`));
  // The second run as in a CI job that only synthesizes: no terraform (nor anything else) on the PATH.
  const emptyPath = mkdtempSync(path.join(tmpdir(), "no-tools-"));
  afterAll(() => rmSync(emptyPath, { recursive: true, force: true }));
  const runs = Promise.all([runApp(undefined, outdirs[0]), runApp(undefined, outdirs[1], { PATH: emptyPath })]);
  let files: Map<string, Buffer>[];

  beforeAll(async () => {
    const results = await runs;
    for (const result of results) expect(result).toMatchObject({ code: 0 });
    files = outdirs.map(readTree);
  });

  it("writes every stack", () => {
    expect([...files[0].keys()]).toEqual(expect.arrayContaining(["manifest.json", "stacks/cluster1-eks/cdk.tf.json"]));
  });

  it("is byte-identical from one run to the next, with or without terraform installed", () => {
    expect([...files[1].keys()]).toEqual([...files[0].keys()]);
    for (const [name, bytes] of files[0])
      expect({ name, same: bytes.equals(files[1].get(name)!) }).toEqual({ name, same: true });
  });

  it("holds no absolute path of this machine", () => {
    const machinePaths = [PROJECT_DIR, path.dirname(PROJECT_DIR), homedir(), tmpdir(), ...outdirs].filter(
      (machinePath) => machinePath !== path.parse(machinePath).root,
    );
    for (const [name, bytes] of files[0]) {
      const text = bytes.toString("utf8");
      for (const machinePath of machinePaths) {
        expect({ name, machinePath, found: mentionsPath(text, machinePath) }).toEqual({
          name,
          machinePath,
          found: false,
        });
      }
    }
  });

  it("would notice such a path", () => {
    expect(mentionsPath('{"path": "/home/ci/project/terraform.tfstate"}', "/home/ci")).toBe(true);
    expect(mentionsPath('{"file": "../../../ca/root-cert.pem"}', "/root")).toBe(false);
  });
});

/** Whether `text` holds `machinePath` as a whole path or a path prefix, not as part of a longer name. */
function mentionsPath(text: string, machinePath: string): boolean {
  const escaped = machinePath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\w.-])${escaped}(?=[/\\\\"'\\s]|$)`).test(text);
}

/** Every file under `root`, by relative path, in a stable order. */
function readTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(path.relative(root, full).split(path.sep).join("/"), readFileSync(full));
    }
  };
  walk(root);
  return files;
}

describe("the app entry and the mesh CA", () => {
  const withCa = (directory: string) =>
    configFile(`ca-${path.basename(directory)}.yaml`, `${EXAMPLE}\ncertificateAuthority:\n  directory: ${directory}\n`);

  it("synthesizes without a CA directory (a fresh clone), warning that one is needed before deploy", async () => {
    const outdir = path.join(workDir, "no-ca");
    const result = await runApp(withCa("no-such-ca-yet"), outdir);
    expect(result.code).toBe(0);
    expect(result.output).toContain("WARN: CA directory no-such-ca-yet/ does not exist yet");
    expect(result.output).toContain("npm run certs");
    expect(existsSync(path.join(outdir, "manifest.json"))).toBe(true);
  });

  it("stops at a broken bring-your-own CA with every problem and its fix, writing nothing", async () => {
    const broken = path.join(workDir, "broken-ca");
    mkdirSync(path.join(broken, "cluster1"), { recursive: true });
    writeFileSync(path.join(broken, "root-cert.pem"), "not a certificate\n");
    const outdir = path.join(workDir, "broken-ca-out");
    const result = await runApp(withCa(path.relative(PROJECT_DIR, broken)), outdir);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/CA directory .*broken-ca\/ is not usable:/);
    expect(result.output).toMatch(/root-cert\.pem holds no PEM certificate/);
    expect(result.output).not.toMatch(STACK_FRAME);
    expect(existsSync(path.join(outdir, "manifest.json"))).toBe(false);
  });
});
