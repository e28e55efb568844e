import { spawn, spawnSync } from "node:child_process";
import { createHash, createPrivateKey } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ensureMeshCa } from "../certs/ca";
import { CaError, checkMeshCa } from "../certs/validate-ca";
import { PROJECT_DIR } from "./helpers/synth";
import { TS_NODE_ARGS } from "./helpers/run-ts";

/**
 * The CA directory as synth and `npm run certs` both see it: one classification of what is wrong,
 * the same words from both, nothing written when either refuses, and no half-written folder when
 * a run fails part-way. Key size does not matter to any of this, so the fixture CA uses small keys.
 */
const KEY_BITS = 1024;
const CLUSTERS = ["cluster1", "cluster2"];
const MESH = "mesh1";

const workDir = mkdtempSync(path.join(tmpdir(), "mesh-ca-dir-"));
const goodProject = path.join(workDir, "good");
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

beforeAll(async () => {
  await ensureMeshCa({
    caDirectory: "ca",
    clusterNames: CLUSTERS,
    projectDir: goodProject,
    keyBits: KEY_BITS,
    meshId: MESH,
  });
});

/** Every entry under a directory (links not followed): type, mode and content hash, to prove nothing changed. */
function tree(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(root, relative)).sort()) {
      const file = path.join(relative, name);
      const stats = lstatSync(path.join(root, file));
      if (stats.isSymbolicLink()) entries[file] = "link";
      else if (stats.isDirectory()) {
        entries[file] = `dir ${stats.mode & 0o777}`;
        walk(file);
      } else {
        const hash = createHash("sha256")
          .update(readFileSync(path.join(root, file)))
          .digest("hex");
        entries[file] = `${stats.mode & 0o777} ${hash}`;
      }
    }
  };
  walk("");
  return entries;
}

let caseNumber = 0;
/** A project holding a copy of the good CA, damaged by `breakIt`. */
function brokenProject(breakIt: (ca: string, project: string) => void): string {
  const project = path.join(workDir, `case-${++caseNumber}`);
  cpSync(path.join(goodProject, "ca"), path.join(project, "ca"), { recursive: true });
  breakIt(path.join(project, "ca"), project);
  return project;
}

interface BothViews {
  readonly synth: readonly string[];
  readonly certs: readonly string[] | "succeeded";
  readonly unchanged: boolean;
}

/** What synth says about a project's CA, and what `npm run certs` then does with it. */
async function bothViews(project: string, clusterNames: readonly string[], meshId = MESH): Promise<BothViews> {
  const options = { caDirectory: "ca", clusterNames, projectDir: project, meshId };
  const synth = checkMeshCa(options).problems;
  const before = tree(project);
  try {
    await ensureMeshCa({ ...options, keyBits: KEY_BITS });
    return { synth, certs: "succeeded", unchanged: false };
  } catch (error) {
    if (!(error instanceof CaError)) throw error;
    return { synth, certs: error.problems, unchanged: JSON.stringify(tree(project)) === JSON.stringify(before) };
  }
}

describe("synth and npm run certs agree on what is wrong with a CA directory", () => {
  const ENCRYPTED = (key: string) =>
    createPrivateKey(key).export({
      type: "pkcs8",
      format: "pem",
      cipher: "aes-256-cbc",
      passphrase: "secret",
    }) as string;
  /** `withCluster3`: the config adds a cluster that has no intermediate yet. */
  const CASES: readonly {
    name: string;
    breakIt: (ca: string, project: string) => void;
    says: RegExp;
    withCluster3?: boolean;
  }[] = [
    {
      name: "a file where a cluster's folder belongs",
      breakIt: (ca) => writeFileSync(path.join(ca, "cluster3"), "notes\n"),
      says: /^ca\/cluster3 is a file, not a folder: cluster cluster3's intermediate CA \(ca-cert\.pem, ca-key\.pem, root-cert\.pem, cert-chain\.pem\) goes in the folder ca\/cluster3\/; move the file aside \(mv ca\/cluster3 ca\/cluster3\.bak\) and run `npm run certs`$/,
      withCluster3: true,
    },
    {
      name: "a folder named like the root certificate",
      breakIt: (ca) => {
        rmSync(path.join(ca, "root-cert.pem"));
        mkdirSync(path.join(ca, "root-cert.pem"));
      },
      says: /^ca\/root-cert\.pem is a folder, not a file: the mesh root certificate goes in a file of that name; move the folder aside \(mv ca\/root-cert\.pem ca\/root-cert\.pem\.bak\)$/,
    },
    {
      name: "a folder named like a cluster's key",
      breakIt: (ca) => {
        rmSync(path.join(ca, "cluster1", "ca-key.pem"));
        mkdirSync(path.join(ca, "cluster1", "ca-key.pem"));
      },
      says: /^ca\/cluster1\/ca-key\.pem is a folder, not a file: cluster cluster1's ca-key\.pem goes in a file of that name/,
    },
    {
      name: "a CA directory that is a symbolic link loop",
      breakIt: (ca) => {
        rmSync(ca, { recursive: true });
        symlinkSync("ca", ca);
      },
      says: /^ca is a symbolic link that loops back on itself: point it at the real folder for the CA directory, or remove it$/,
    },
    {
      name: "a CA directory that links to nothing",
      breakIt: (ca) => {
        rmSync(ca, { recursive: true });
        symlinkSync("../mounted-pki", ca);
      },
      says: /^ca is a symbolic link to \.\.\/mounted-pki, which does not exist: create \.\.\/mounted-pki \(or mount it\)/,
    },
    {
      name: "a key file that is a symbolic link loop",
      breakIt: (ca) => {
        unlinkSync(path.join(ca, "cluster2", "ca-key.pem"));
        symlinkSync("ca-key.pem", path.join(ca, "cluster2", "ca-key.pem"));
      },
      says: /^ca\/cluster2\/ca-key\.pem is a symbolic link that loops back on itself: point it at the real file, or remove it$/,
    },
    {
      name: "a root certificate cut short",
      breakIt: (ca) => {
        const pem = readFileSync(path.join(ca, "root-cert.pem"), "utf8");
        writeFileSync(path.join(ca, "root-cert.pem"), pem.slice(0, pem.length / 2));
      },
      says: /^ca\/root-cert\.pem is cut short: it has "-----BEGIN CERTIFICATE-----" but no "-----END CERTIFICATE-----" line \(an interrupted copy or download\?\): copy the whole file again from its source$/,
    },
    {
      name: "a cluster key cut short",
      breakIt: (ca) => {
        const pem = readFileSync(path.join(ca, "cluster1", "ca-key.pem"), "utf8");
        writeFileSync(path.join(ca, "cluster1", "ca-key.pem"), pem.slice(0, 200));
      },
      says: /^ca\/cluster1\/ca-key\.pem is cut short: it has "-----BEGIN PRIVATE KEY-----" but no "-----END PRIVATE KEY-----" line/,
    },
    {
      name: "an encrypted root key when a new cluster needs signing",
      breakIt: (ca) =>
        writeFileSync(path.join(ca, "root-key.pem"), ENCRYPTED(readFileSync(path.join(ca, "root-key.pem"), "utf8"))),
      says: /^ca\/cluster3\/ does not hold cluster cluster3's intermediate CA, and npm run certs cannot issue it \(ca\/root-key\.pem is encrypted, and npm run certs asks for no passphrase\): decrypt it for the run \(openssl pkey -in ca\/root-key\.pem -out root-key\.plain\.pem && mv root-key\.plain\.pem ca\/root-key\.pem\)/,
      withCluster3: true,
    },
    {
      name: "a missing root key when a new cluster needs signing",
      breakIt: (ca) => unlinkSync(path.join(ca, "root-key.pem")),
      says: /^ca\/cluster3\/ does not hold cluster cluster3's intermediate CA, and npm run certs cannot issue it \(ca\/root-key\.pem is not there\): restore ca\/root-key\.pem and run `npm run certs`, or put ca-cert\.pem, ca-key\.pem, root-cert\.pem, cert-chain\.pem from your PKI there$/,
      withCluster3: true,
    },
    {
      name: "intermediates without their root certificate",
      breakIt: (ca) => unlinkSync(path.join(ca, "root-cert.pem")),
      says: /^ca\/root-cert\.pem is missing but ca\/root-key\.pem, ca\/cluster1\/, ca\/cluster2\/ exist: restore the root certificate/,
    },
    {
      name: "a CA directory recorded for another mesh",
      breakIt: (ca) => writeFileSync(path.join(ca, "mesh.json"), JSON.stringify({ meshIds: ["global-mesh"] })),
      says: /^ca\/ is the CA of mesh "global-mesh" \(ca\/mesh\.json\), not of meshId "mesh1": two meshes on one root trust each other's workloads; give this mesh a directory of its own \(certificateAuthority\.directory: ca-mesh1\) and run `npm run certs`, or add "mesh1" to meshIds in ca\/mesh\.json if the meshes share this root on purpose$/,
    },
    {
      name: "a mesh record that is not JSON",
      breakIt: (ca) => writeFileSync(path.join(ca, "mesh.json"), "meshIds: mesh1\n"),
      says: /^ca\/mesh\.json is not valid JSON: write the meshIds that use this CA there, e\.g\. \{ "about": .*"meshIds": \[ "mesh1" \] \}$/,
    },
  ];

  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))(
    "%s: both name it in the same words, and certs writes nothing",
    async (_name, testCase) => {
      const clusters = testCase.withCluster3 ? [...CLUSTERS, "cluster3"] : CLUSTERS;
      const views = await bothViews(brokenProject(testCase.breakIt), clusters);
      expect(views.synth).toEqual([expect.stringMatching(testCase.says)]);
      expect(views.certs).toEqual(views.synth);
      expect(views.unchanged).toBe(true);
    },
  );

  it("sends the user to npm run certs only when that run succeeds", async () => {
    const project = brokenProject((ca) => rmSync(path.join(ca, "cluster2"), { recursive: true }));
    const views = await bothViews(project, CLUSTERS);
    expect(views.synth).toEqual([
      "ca/cluster2/ does not hold cluster cluster2's intermediate CA: run `npm run certs` to issue it, or put ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem from your PKI there",
    ]);
    expect(views.certs).toBe("succeeded");
    expect(checkMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project, meshId: MESH })).toEqual({
      missing: false,
      problems: [],
      warnings: [],
    });
  });

  it("treats an empty CA directory like none: synth warns, certs creates the CA in it", async () => {
    const project = path.join(workDir, "empty-ca");
    mkdirSync(path.join(project, "ca"), { recursive: true });
    const synth = checkMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project });
    expect(synth.problems).toEqual([]);
    expect(synth.warnings).toEqual([
      expect.stringMatching(/^CA directory ca\/ holds no CA yet: synth goes on, but run `npm run certs`/),
    ]);
    const report = await ensureMeshCa({
      caDirectory: "ca",
      clusterNames: CLUSTERS,
      projectDir: project,
      keyBits: KEY_BITS,
    });
    expect(report.created.map((entry) => entry.name)).toEqual(["root", ...CLUSTERS]);
  });

  it("accepts an encrypted root key at synth when nothing needs signing (only npm run certs signs with it)", () => {
    const project = brokenProject((ca) =>
      writeFileSync(path.join(ca, "root-key.pem"), ENCRYPTED(readFileSync(path.join(ca, "root-key.pem"), "utf8"))),
    );
    expect(
      checkMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project, meshId: MESH }).problems,
    ).toEqual([]);
  });
});

describe("which mesh a CA directory belongs to", () => {
  it("records the meshId in mesh.json (not secret) when it creates the root", () => {
    const record = JSON.parse(readFileSync(path.join(goodProject, "ca", "mesh.json"), "utf8"));
    expect(record.meshIds).toEqual([MESH]);
    expect(readdirSync(path.join(goodProject, "ca")).sort()).toEqual([
      "cluster1",
      "cluster2",
      "mesh.json",
      "root-cert.pem",
      "root-key.pem",
    ]);
  });

  it("lets meshes share a root on purpose when the record lists them all", async () => {
    const project = brokenProject((ca) =>
      writeFileSync(path.join(ca, "mesh.json"), JSON.stringify({ meshIds: [MESH, "global-mesh"] })),
    );
    const views = await bothViews(project, CLUSTERS, "global-mesh");
    expect(views).toMatchObject({ synth: [], certs: "succeeded" });
  });

  it("keeps working with a CA directory that has no record (an earlier CA, or your own PKI), and records it at the next npm run certs", async () => {
    const project = brokenProject((ca) => unlinkSync(path.join(ca, "mesh.json")));
    expect(
      checkMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project, meshId: "global-mesh" }).problems,
    ).toEqual([]);
    expect(existsSync(path.join(project, "ca", "mesh.json"))).toBe(false);
    const report = await ensureMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project, meshId: MESH });
    expect(report.recorded).toBe("ca/mesh.json");
    expect(report.created).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(project, "ca", "mesh.json"), "utf8")).meshIds).toEqual([MESH]);
  });

  it("the CLI refuses another mesh's config on the same directory, exit 1, before writing anything", () => {
    const caDir = path.join(workDir, "cli-shared-ca");
    cpSync(path.join(goodProject, "ca"), caDir, { recursive: true });
    const before = tree(caDir);
    const config = path.join(workDir, "three.yaml");
    writeFileSync(
      config,
      [
        "meshId: global-mesh",
        "apiAllowedCidrs: [203.0.113.0/24]",
        `certificateAuthority: { directory: ${JSON.stringify(path.relative(PROJECT_DIR, caDir))} }`,
        "clusters:",
        "  - { name: us-west, region: us-west-2, vpcCidr: 10.30.0.0/16 }",
      ].join("\n"),
    );
    const result = certsCli(config);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`is the CA of mesh "mesh1" (`);
    expect(result.stderr).toContain(`not of meshId "global-mesh": two meshes on one root trust each other's workloads`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(tree(caDir)).toEqual(before);
  });
});

const certsCli = (configFile: string) =>
  spawnSync(process.execPath, [...TS_NODE_ARGS, path.join(PROJECT_DIR, "certs", "main.ts")], {
    cwd: PROJECT_DIR,
    env: { ...process.env, MESH_CONFIG: configFile },
    encoding: "utf8",
  });

describe("a run that fails part-way", () => {
  /** ensureMeshCa in a child process whose files may not exceed `limitBlocks` 512-byte blocks. */
  function runWithFileSizeLimit(project: string, clusterNames: string[], limitBlocks: number) {
    const script = `require(${JSON.stringify(path.join(PROJECT_DIR, "certs", "ca.ts"))})
      .ensureMeshCa({ caDirectory: "ca", clusterNames: ${JSON.stringify(clusterNames)}, projectDir: ${JSON.stringify(project)}, keyBits: ${KEY_BITS} })
      .then(() => process.exit(0), (error) => { console.error(error.message); process.exit(3); });`;
    const node = [process.execPath, ...TS_NODE_ARGS, "-e", script].map((arg) => `'${arg.replace(/'/g, "'\\''")}'`);
    return spawnSync("sh", ["-c", `ulimit -f ${limitBlocks} && exec ${node.join(" ")}`], { encoding: "utf8" });
  }

  it("leaves the CA directory as it was when a write fails after the first files (no half-written cluster folder)", () => {
    const project = brokenProject(() => undefined);
    const before = tree(project);
    // 1 KiB: the new key and certificate fit, the two-certificate chain does not (EFBIG).
    const result = runWithFileSizeLimit(project, [...CLUSTERS, "cluster3"], 2);
    expect(result.stderr).toContain("EFBIG");
    expect(result.stderr).toContain("ca/ was left as it was");
    expect(result.status).toBe(3);
    expect(tree(project)).toEqual(before);
  });

  it("leaves no CA directory at all when creating a new one fails", () => {
    const project = path.join(workDir, "fresh-fail");
    mkdirSync(project);
    const result = runWithFileSizeLimit(project, CLUSTERS, 2);
    expect(result.status).toBe(3);
    expect(readdirSync(project)).toEqual([]);
  });
});

describe("concurrent runs", () => {
  it("lets one of two simultaneous runs work and stops the other with the lock file's name", async () => {
    const project = brokenProject((ca) => rmSync(path.join(ca, "cluster2"), { recursive: true }));
    const runs = await Promise.allSettled(
      [1, 2].map(() =>
        ensureMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project, keyBits: KEY_BITS }),
      ),
    );
    expect(runs.map((run) => run.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = runs.find((run) => run.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(CaError);
    expect(refused.reason.problems).toEqual([
      expect.stringMatching(
        /^another `npm run certs` \(pid \d+, since .*\) is working on this CA directory \(lock file ca\.lock\): wait for it to finish; if no other run is going on \(one was interrupted\), delete ca\.lock and run again$/,
      ),
    ]);
    expect(existsSync(path.join(project, "ca.lock"))).toBe(false);
    expect(readdirSync(path.join(project, "ca", "cluster2")).sort()).toEqual([
      "ca-cert.pem",
      "ca-key.pem",
      "cert-chain.pem",
      "root-cert.pem",
    ]);
  });

  it("names a stale lock left by a run that is gone, and how to clear it; the CLI exits 1 and writes nothing", async () => {
    const caDir = path.join(workDir, "stale-lock-ca");
    mkdirSync(caDir);
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.on("exit", resolve));
    const lockFile = `${caDir}.lock`;
    writeFileSync(lockFile, JSON.stringify({ pid: gone.pid, started: "2026-12-01T09:00:00.000Z" }));
    const config = path.join(workDir, "stale.yaml");
    writeFileSync(
      config,
      [
        "meshId: mesh1",
        "apiAllowedCidrs: [203.0.113.0/24]",
        `certificateAuthority: { directory: ${JSON.stringify(path.relative(PROJECT_DIR, caDir))} }`,
        "clusters: [{ name: cluster1, region: us-west-2, vpcCidr: 10.10.0.0/16 }]",
      ].join("\n"),
    );
    const result = certsCli(config);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `stale-lock-ca\\.lock says another \`npm run certs\` \\(pid ${gone.pid}, since 2026-12-01T09:00:00\\.000Z\\) is working on this CA directory, but that process is gone: the lock is stale; delete .*stale-lock-ca\\.lock and run again`,
      ),
    );
    expect(readdirSync(caDir)).toEqual([]);
    expect(existsSync(lockFile)).toBe(true);
  });
});

describe("private keys readable by others", () => {
  it("are reported at synth and by npm run certs, with the chmod that fixes them", async () => {
    const project = brokenProject((ca) => {
      chmodSync(path.join(ca, "root-key.pem"), 0o640);
      chmodSync(path.join(ca, "cluster2", "ca-key.pem"), 0o644);
    });
    const expected = [
      "ca/root-key.pem is readable by its group (mode 0640): a private key must be owner-only; run chmod 600 ca/root-key.pem",
      "ca/cluster2/ca-key.pem is readable by other users (mode 0644): a private key must be owner-only; run chmod 600 ca/cluster2/ca-key.pem",
    ];
    expect(checkMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project }).warnings).toEqual(expected);
    const report = await ensureMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project });
    expect(report.warnings).toEqual(expected);
  });
});
