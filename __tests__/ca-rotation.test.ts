import "reflect-metadata";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createPrivateKey, webcrypto, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as x509 from "@peculiar/x509";
import { createIntermediateCertificate, ensureMeshCa, generateCaKeyPair, loadSigningCa, SigningCa } from "../certs/ca";
import { checkActionAgainstConfig, parseCertsArguments } from "../certs/options";
import { rotateIntermediate } from "../certs/rotate-intermediate";
import { runRotation } from "../certs/rotation-cli";
import { nextRootFiles, rotateRoot } from "../certs/rotate-root";
import { ROOT_ROTATION_STAGES, RootRotationStage, stageOrderProblem } from "../certs/root-rotation-stage";
import { pemCertificateBlocks } from "../certs/pem";
import { checkMeshCa } from "../certs/validate-ca";
import { TS_NODE_ARGS } from "./helpers/run-ts";
import { PROJECT_DIR } from "./helpers/synth";

const CLUSTERS = ["cluster1", "cluster2"];
const TEST_KEY_BITS = 2048;

const read = (file: string) => readFileSync(file, "utf8");
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const modeOf = (file: string) => statSync(file).mode & 0o777;
const fingerprints = (file: string) =>
  pemCertificateBlocks(read(file)).map((pem) => new X509Certificate(pem).fingerprint256);

/** Every file under a directory with its content hash, to prove what a run left alone. */
function contents(directory: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of readdirSync(directory, { recursive: true }) as string[]) {
    const file = path.join(directory, name);
    if (statSync(file).isFile()) entries[name] = sha(file);
  }
  return entries;
}

/**
 * openssl's own chain building: `certificate` verified against the trust anchors in `caFile`, with
 * the rest of `chainFile` as untrusted intermediates. True when openssl prints OK.
 */
function opensslVerifies(caFile: string, certificate: string, chainFile?: string): boolean {
  const args = ["verify", "-CAfile", caFile, ...(chainFile ? ["-untrusted", chainFile] : []), certificate];
  return spawnSync("openssl", args, { encoding: "utf8" }).stdout.trim().endsWith(": OK");
}

const subtle = webcrypto.subtle;

/** A workload certificate as istiod issues one: CA:FALSE, a SPIFFE URI, short-lived; EC to keep it fast. */
async function leafCertificate(issuer: SigningCa): Promise<string> {
  const keys = (await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: "01",
    subject: [],
    issuer: issuer.certificate.subjectName,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 60 * 60 * 1000),
    publicKey: keys.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: issuer.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension(
        [{ type: "url", value: "spiffe://cluster.local/ns/sample/sa/curl" }],
        true,
      ),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey),
    ],
  });
  return leaf.toString("pem");
}

describe("CA rotation on a temporary CA directory", () => {
  const projectDir = mkdtempSync(path.join(tmpdir(), "mesh-rotation-"));
  const caDirectory = path.join(projectDir, "ca");
  const at = (...parts: string[]) => path.join(caDirectory, ...parts);
  const scratch = (name: string, text: string) => {
    const file = path.join(projectDir, name);
    writeFileSync(file, text);
    return file;
  };
  const options = { caDirectory: "ca", clusterNames: CLUSTERS, projectDir, keyBits: TEST_KEY_BITS };
  /** The synth-time CA check, as main.ts runs it. */
  const synthCheck = () => checkMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir });

  /**
   * A workload certificate as istiod would sign it with a cluster's intermediate: what a peer
   * presents in mTLS. Written with its chain, ready for openssl verify.
   */
  async function workloadCertificate(cluster: string, name: string): Promise<{ leaf: string; chain: string }> {
    const issuer: SigningCa = await loadSigningCa(read(at(cluster, "ca-cert.pem")), read(at(cluster, "ca-key.pem")));
    return {
      leaf: scratch(`${name}-leaf.pem`, await leafCertificate(issuer)),
      chain: scratch(`${name}-chain.pem`, read(at(cluster, "cert-chain.pem"))),
    };
  }

  beforeAll(async () => {
    await ensureMeshCa(options);
  });
  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

  describe("--rotate-intermediate", () => {
    let before: Record<string, string>;
    let oldCaCert: string;
    let report: Awaited<ReturnType<typeof rotateIntermediate>>;
    beforeAll(async () => {
      before = contents(caDirectory);
      oldCaCert = read(at("cluster1", "ca-cert.pem"));
      report = await rotateIntermediate({ ...options, clusterName: "cluster1" });
    });

    it("replaces the cluster's intermediate and key, and leaves root-cert.pem byte for byte (so istiod reloads it)", () => {
      const after = contents(caDirectory);
      for (const file of ["ca-cert.pem", "ca-key.pem", "cert-chain.pem"]) {
        expect(after[`cluster1/${file}`]).not.toBe(before[`cluster1/${file}`]);
      }
      expect(after["cluster1/root-cert.pem"]).toBe(before["cluster1/root-cert.pem"]);
      for (const file of [
        "root-cert.pem",
        "root-key.pem",
        ...readdirSync(at("cluster2")).map((f) => `cluster2/${f}`),
      ]) {
        expect(after[file]).toBe(before[file]);
      }
      expect(report.shown).toBe("ca/cluster1/");
    });

    it("signs the new intermediate by the same root, as openssl verify and the key check say", () => {
      expect(
        opensslVerifies(at("root-cert.pem"), at("cluster1", "ca-cert.pem"), at("cluster1", "cert-chain.pem")),
      ).toBe(true);
      const certificate = new X509Certificate(read(at("cluster1", "ca-cert.pem")));
      expect(certificate.checkPrivateKey(createPrivateKey(read(at("cluster1", "ca-key.pem"))))).toBe(true);
      expect(certificate.subject).toContain("L=cluster1");
      expect(synthCheck()).toEqual({ missing: false, problems: [], warnings: [] });
    });

    it("keeps the replaced files as an owner-only backup the .gitignore covers", () => {
      const backup = path.join(projectDir, report.backup);
      expect(report.backup).toMatch(/^ca\/previous\/.+-cluster1-intermediate\/$/);
      expect(read(path.join(backup, "cluster1", "ca-cert.pem"))).toBe(oldCaCert);
      expect(modeOf(path.join(backup, "cluster1", "ca-key.pem"))).toBe(0o600);
      expect(modeOf(backup)).toBe(0o700);
      expect(modeOf(at("cluster1", "ca-key.pem"))).toBe(0o600);
      // Keys of this repository's CA directory layout are ignored wherever they sit.
      for (const key of report.keyFiles) {
        const relative = path.join("ca", path.relative(caDirectory, key));
        expect(spawnSync("git", ["check-ignore", "--quiet", "--no-index", relative], { cwd: PROJECT_DIR }).status).toBe(
          0,
        );
      }
    });

    it("refuses a cluster that is not in the config, and a CA without its root key, writing nothing", async () => {
      const snapshot = contents(caDirectory);
      await expect(rotateIntermediate({ ...options, clusterName: "cluster9" })).rejects.toThrow(
        "--rotate-intermediate cluster9 names no cluster of the config: use one of cluster1, cluster2",
      );
      const key = read(at("root-key.pem"));
      rmSync(at("root-key.pem"));
      await expect(rotateIntermediate({ ...options, clusterName: "cluster2" })).rejects.toThrow(
        "ca/root-key.pem is missing, and a new intermediate for cluster2 must be signed with it",
      );
      writeFileSync(at("root-key.pem"), key, { mode: 0o600 });
      expect(contents(caDirectory)).toEqual(snapshot);
    });
  });

  describe("--rotate-root, stage by stage", () => {
    const rootsOf = (file: string) => fingerprints(file);
    let originalRoot: string;
    let oldIntermediate: { leaf: string; chain: string };

    beforeAll(async () => {
      originalRoot = scratch("original-root.pem", read(at("root-cert.pem")));
      oldIntermediate = await workloadCertificate("cluster2", "old-cluster2");
    });

    it.each(["reissue", "retire"] as const)(
      "refuses to start with %s, naming the first stage, and writes nothing",
      async (stage) => {
        const snapshot = contents(caDirectory);
        await expect(rotateRoot(stage, options)).rejects.toThrow(
          `--rotate-root ${stage} cannot run: no root rotation is in progress, so the next stage is trust (stages run in order, each once); deploy every cluster, run \`npm run verify\`, then \`npm run certs -- --rotate-root trust\``,
        );
        expect(contents(caDirectory)).toEqual(snapshot);
      },
    );

    describe("1. trust", () => {
      let before: Record<string, string>;
      beforeAll(async () => {
        before = contents(caDirectory);
        await rotateRoot("trust", options);
      });

      it("puts the current root, then a new one, in the mesh's and every cluster's root-cert.pem", () => {
        const [current] = rootsOf(originalRoot);
        const roots = rootsOf(at("root-cert.pem"));
        expect(roots).toHaveLength(2);
        expect(roots[0]).toBe(current);
        expect(roots[1]).toBe(rootsOf(nextRootFiles(caDirectory).cert)[0]);
        for (const cluster of CLUSTERS) expect(read(at(cluster, "root-cert.pem"))).toBe(read(at("root-cert.pem")));
        expect(modeOf(nextRootFiles(caDirectory).key)).toBe(0o600);
      });

      it("leaves every intermediate and the signing root key as they were", () => {
        const after = contents(caDirectory);
        for (const cluster of CLUSTERS) {
          for (const file of ["ca-cert.pem", "ca-key.pem", "cert-chain.pem"]) {
            expect(after[`${cluster}/${file}`]).toBe(before[`${cluster}/${file}`]);
          }
        }
        expect(after["root-key.pem"]).toBe(before["root-key.pem"]);
      });

      it("trusts workloads of the current intermediates and of intermediates under the new root (openssl verify)", async () => {
        expect(opensslVerifies(at("cluster1", "root-cert.pem"), oldIntermediate.leaf, oldIntermediate.chain)).toBe(
          true,
        );
        const next = await loadSigningCa(read(nextRootFiles(caDirectory).cert), read(nextRootFiles(caDirectory).key));
        const keys = await generateCaKeyPair(TEST_KEY_BITS);
        const underNew = await createIntermediateCertificate({
          clusterName: "x",
          publicKey: keys.publicKey,
          issuer: next,
        });
        const file = scratch("under-new.pem", underNew.toString("pem"));
        expect(opensslVerifies(at("cluster1", "root-cert.pem"), file)).toBe(true);
        // ...which the current root alone would reject: the bundle is what makes stage 2 safe.
        expect(opensslVerifies(originalRoot, file)).toBe(false);
      });

      it("passes synth's CA check", () => {
        expect(synthCheck()).toEqual({ missing: false, problems: [], warnings: [] });
      });

      it("records the stage, and refuses to run it twice or to skip to retire", async () => {
        const record = JSON.parse(read(at("root-rotation.json")));
        expect(record).toMatchObject({ stage: "trust", previousRoot: rootsOf(originalRoot)[0] });
        const snapshot = contents(caDirectory);
        await expect(rotateRoot("trust", options)).rejects.toThrow("the next stage is reissue");
        await expect(rotateRoot("retire", options)).rejects.toThrow("`npm run certs -- --rotate-root reissue`");
        expect(contents(caDirectory)).toEqual(snapshot);
      });
    });

    describe("2. reissue", () => {
      let stage1Bundle: string;
      let newRoot: string;
      beforeAll(async () => {
        stage1Bundle = scratch("stage1-bundle.pem", read(at("root-cert.pem")));
        newRoot = scratch("new-root.pem", read(nextRootFiles(caDirectory).cert));
        await rotateRoot("reissue", options);
      });

      it("makes the new root the signing one, still trusting the old", () => {
        expect(rootsOf(at("root-cert.pem"))).toEqual([rootsOf(newRoot)[0], rootsOf(originalRoot)[0]]);
        const root = new X509Certificate(pemCertificateBlocks(read(at("root-cert.pem")))[0]);
        expect(root.checkPrivateKey(createPrivateKey(read(at("root-key.pem"))))).toBe(true);
        expect(existsSync(path.dirname(nextRootFiles(caDirectory).cert))).toBe(false);
      });

      it.each(CLUSTERS)("re-issues %s's intermediate under the new root only", (cluster) => {
        const caCert = at(cluster, "ca-cert.pem");
        expect(opensslVerifies(newRoot, caCert, at(cluster, "cert-chain.pem"))).toBe(true);
        expect(opensslVerifies(originalRoot, caCert, at(cluster, "cert-chain.pem"))).toBe(false);
        expect(read(at(cluster, "root-cert.pem"))).toBe(read(at("root-cert.pem")));
        const certificate = new X509Certificate(read(caCert));
        expect(certificate.checkIssued(new X509Certificate(read(newRoot)))).toBe(true);
        expect(certificate.verify(new X509Certificate(read(newRoot)).publicKey)).toBe(true);
      });

      it("keeps cross-cluster mTLS working while clusters are at stage 1 and stage 2", async () => {
        const reissued = await workloadCertificate("cluster1", "new-cluster1");
        // A stage-2 workload's certificate against a cluster still at stage 1, and the reverse.
        expect(opensslVerifies(stage1Bundle, reissued.leaf, reissued.chain)).toBe(true);
        expect(opensslVerifies(at("cluster2", "root-cert.pem"), oldIntermediate.leaf, oldIntermediate.chain)).toBe(
          true,
        );
      });

      it("passes synth's CA check and refuses to run again", async () => {
        expect(synthCheck()).toEqual({ missing: false, problems: [], warnings: [] });
        await expect(rotateRoot("reissue", options)).rejects.toThrow("the next stage is retire");
      });
    });

    describe("3. retire", () => {
      let stage2Bundle: string;
      beforeAll(async () => {
        stage2Bundle = scratch("stage2-bundle.pem", read(at("root-cert.pem")));
        await rotateRoot("retire", options);
      });

      it("leaves only the new root in every root-cert.pem, and every intermediate chaining to it", () => {
        const [signing] = rootsOf(stage2Bundle);
        expect(rootsOf(at("root-cert.pem"))).toEqual([signing]);
        for (const cluster of CLUSTERS) {
          expect(read(at(cluster, "root-cert.pem"))).toBe(read(at("root-cert.pem")));
          expect(
            opensslVerifies(at(cluster, "root-cert.pem"), at(cluster, "ca-cert.pem"), at(cluster, "cert-chain.pem")),
          ).toBe(true);
        }
      });

      it("no longer trusts workloads of the old intermediates", () => {
        expect(opensslVerifies(at("cluster1", "root-cert.pem"), oldIntermediate.leaf, oldIntermediate.chain)).toBe(
          false,
        );
      });

      it("passes synth's CA check, records the end, and lets a new rotation start with trust only", async () => {
        expect(synthCheck()).toEqual({ missing: false, problems: [], warnings: [] });
        expect(JSON.parse(read(at("root-rotation.json"))).stage).toBe("retire");
        await expect(rotateRoot("reissue", options)).rejects.toThrow("no root rotation is in progress");
      });
    });
  });

  it("refuses a stage whose root-cert.pem was changed by hand since the last stage", async () => {
    const copy = path.join(projectDir, "hand-edited");
    execFileSync("cp", ["-a", caDirectory, copy]);
    const copyOptions = { ...options, caDirectory: "hand-edited" };
    await rotateRoot("trust", copyOptions);
    // Dropping the new root from every file: still a valid CA, but not what stage 1 left.
    const [current] = pemCertificateBlocks(read(path.join(copy, "root-cert.pem")));
    for (const file of ["root-cert.pem", ...CLUSTERS.map((cluster) => `${cluster}/root-cert.pem`)]) {
      writeFileSync(path.join(copy, file), `${current}\n`);
    }
    await expect(rotateRoot("reissue", copyOptions)).rejects.toThrow(
      "hand-edited/root-cert.pem does not hold the roots hand-edited/root-rotation.json records for this stage",
    );
  });
});

describe("the order of root rotation stages", () => {
  const cases: [RootRotationStage, RootRotationStage | undefined, boolean][] = [];
  for (const recorded of [undefined, ...ROOT_ROTATION_STAGES]) {
    for (const requested of ROOT_ROTATION_STAGES) {
      const allowed =
        recorded === undefined || recorded === "retire"
          ? requested === "trust"
          : ROOT_ROTATION_STAGES.indexOf(requested) === ROOT_ROTATION_STAGES.indexOf(recorded) + 1;
      cases.push([requested, recorded, allowed]);
    }
  }
  it.each(cases)("%s after %s: allowed %s", (requested, recorded, allowed) => {
    expect(stageOrderProblem(requested, recorded) === undefined).toBe(allowed);
  });
});

describe("npm run certs arguments", () => {
  it("reads a rotation in either --option value or --option=value form", () => {
    expect(parseCertsArguments([])).toEqual({ kind: "ensure" });
    expect(parseCertsArguments(["--rotate-intermediate", "cluster1"])).toEqual({
      kind: "rotate-intermediate",
      clusterName: "cluster1",
    });
    expect(parseCertsArguments(["--rotate-root=reissue"])).toEqual({ kind: "rotate-root", stage: "reissue" });
  });

  it("names the bad argument and the fix", () => {
    expect(() => parseCertsArguments(["--rotate-root", "finish"])).toThrow(
      '--rotate-root "finish" is not a stage: use trust, then reissue, then retire, in that order',
    );
    expect(() => parseCertsArguments(["--rotate-intermediate"])).toThrow(
      "--rotate-intermediate needs the name of a cluster",
    );
    expect(() => parseCertsArguments(["--rotate"])).toThrow('unknown option "--rotate"');
  });

  it("names a cluster the config does not have, with the usage, before looking at the CA directory", () => {
    const action = parseCertsArguments(["--rotate-intermediate", "cluster9"]);
    expect(() => checkActionAgainstConfig(action, ["cluster1", "cluster2"])).toThrow(
      "npm run certs: --rotate-intermediate cluster9 names no cluster of the config: use one of cluster1, cluster2\nusage: npm run certs",
    );
    expect(() => checkActionAgainstConfig(action, ["cluster9"])).not.toThrow();
    expect(() => checkActionAgainstConfig({ kind: "ensure" }, [])).not.toThrow();
  });

  it("the CLI refuses a skipped stage with exit 1, the next command and no stack trace", () => {
    const projectDir = mkdtempSync(path.join(PROJECT_DIR, ".tmp-rotation-cli-"));
    try {
      const config = path.join(projectDir, "mesh.yaml");
      writeFileSync(
        config,
        [
          "meshId: mesh1",
          "apiAllowedCidrs: [203.0.113.0/24]",
          `certificateAuthority: { directory: ${JSON.stringify(path.relative(PROJECT_DIR, path.join(projectDir, "ca")))} }`,
          "clusters:",
          "  - { name: cluster1, region: us-west-2, vpcCidr: 10.10.0.0/16 }",
        ].join("\n"),
      );
      const result = spawnSync(
        process.execPath,
        [...TS_NODE_ARGS, path.join(PROJECT_DIR, "certs", "main.ts"), "--rotate-root", "retire"],
        { cwd: PROJECT_DIR, env: { ...process.env, MESH_CONFIG: config }, encoding: "utf8" },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("then `npm run certs -- --rotate-root trust`");
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(projectDir, { recursive: true, force: true });
    }
  });
});

describe("what npm run certs prints after a rotation", () => {
  const projectDir = mkdtempSync(path.join(tmpdir(), "mesh-rotation-output-"));
  const clusters = [
    { name: "cluster1", kubeContext: "cluster1" },
    { name: "cluster2", kubeContext: "arn:aws:eks:eu-west-1:111122223333:cluster/cluster2" },
  ];
  const run = { caDirectory: path.join(projectDir, "ca"), clusters, projectDir, keyBits: TEST_KEY_BITS };
  beforeAll(() => ensureMeshCa({ ...run, caDirectory: "ca", clusterNames: clusters.map((c) => c.name) }));
  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

  it("after an intermediate: the backup, the one stack to deploy, and that istiod needs no restart", async () => {
    const { lines } = await runRotation({ kind: "rotate-intermediate", clusterName: "cluster2" }, run);
    const text = lines.join("\n");
    expect(text).toMatch(
      /rotated ca\/cluster2\/ \(new intermediate of cluster2, valid until \d{4}-\d{2}-\d{2}; root-cert.pem unchanged\)/,
    );
    expect(text).toMatch(/the replaced files are in ca\/previous\/.+-cluster2-intermediate\//);
    expect(text).toContain("npx cdktf deploy cluster2-platform");
    expect(text).toContain("without a restart");
  });

  it("after a root stage: deploy everything, restart istiod in every cluster by its context, verify, then the next stage", async () => {
    const { lines } = await runRotation({ kind: "rotate-root", stage: "trust" }, run);
    expect(lines).toEqual(
      expect.arrayContaining([
        "  npx cdktf deploy '*'",
        "  kubectl --context cluster1 -n istio-system rollout restart deployment/istiod",
        "  kubectl --context arn:aws:eks:eu-west-1:111122223333:cluster/cluster2 -n istio-system rollout restart deployment/istiod",
        "  npm run certs -- --rotate-root reissue",
      ]),
    );
    expect(lines.join("\n")).toContain("every cluster must report stage 1 (trust)");
  });
});
