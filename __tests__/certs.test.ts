import "reflect-metadata";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createPrivateKey, X509Certificate as NodeCertificate } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  X509Certificate,
} from "@peculiar/x509";
import { CA_KEY_BITS, ensureMeshCa, MeshCaReport } from "../certs/ca";
import { displayPath } from "../certs/layout";
import { CaError } from "../certs/validate-ca";
import { PROJECT_DIR } from "./helpers/synth";
import { TS_NODE_ARGS } from "./helpers/run-ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const CLUSTERS = ["cluster1", "cluster2"];

/** Every file under a directory with its content hash and modification time, to prove a run touched nothing. */
function snapshot(directory: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of readdirSync(directory, { recursive: true }) as string[]) {
    const file = path.join(directory, name);
    if (statSync(file).isFile()) {
      entries[name] = `${createHash("sha256").update(readFileSync(file)).digest("hex")} ${statSync(file).mtimeMs}`;
    }
  }
  return entries;
}

const read = (file: string) => readFileSync(file, "utf8");
const certificateAt = (file: string) => new X509Certificate(read(file));
const openssl = (...args: string[]) => execFileSync("openssl", args, { encoding: "utf8" });

/** Key size of the fixture CA: smaller than the default, since no check here depends on it. */
const TEST_KEY_BITS = 2048;

describe("npm run certs (ensureMeshCa) on a temporary directory", () => {
  const projectDir = mkdtempSync(path.join(tmpdir(), "mesh-certs-"));
  const caDirectory = path.join(projectDir, "ca");
  const at = (...parts: string[]) => path.join(caDirectory, ...parts);
  let first: MeshCaReport;
  let firstRunMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    // 2048-bit keys keep the suite fast; the 4096-bit default is what the third cluster gets below.
    first = await ensureMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir, keyBits: TEST_KEY_BITS });
    firstRunMs = Date.now() - started;
  });
  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

  it("creates the root and one intermediate per cluster, named as the user sees them", () => {
    expect(first.created.map((entry) => [entry.name, entry.shown])).toEqual([
      ["root", "ca/root-cert.pem"],
      ["cluster1", "ca/cluster1/"],
      ["cluster2", "ca/cluster2/"],
    ]);
    expect(first.kept).toEqual([]);
    expect(first.warnings).toEqual([]);
    expect(readdirSync(caDirectory).sort()).toEqual(["cluster1", "cluster2", "root-cert.pem", "root-key.pem"]);
    expect(readdirSync(at("cluster1")).sort()).toEqual([
      "ca-cert.pem",
      "ca-key.pem",
      "cert-chain.pem",
      "root-cert.pem",
    ]);
    // Three keys, generated in parallel: reported so a slow machine is visible in the logs.
    console.log(`ensureMeshCa: root + ${CLUSTERS.length} intermediates in ${firstRunMs} ms`);
  });

  it("makes a self-signed root: O=Istio, CN=Root CA, RSA, ten years, a critical CA:TRUE", () => {
    const root = certificateAt(at("root-cert.pem"));
    expect(root.subject).toBe("O=Istio, CN=Root CA");
    expect(root.issuer).toBe(root.subject);
    expect(new NodeCertificate(read(at("root-cert.pem"))).publicKey.asymmetricKeyDetails?.modulusLength).toBe(
      TEST_KEY_BITS,
    );
    expect(Math.round((root.notAfter.getTime() - root.notBefore.getTime()) / DAY_MS)).toBe(3650);
    const basicConstraints = root.getExtension(BasicConstraintsExtension)!;
    expect([basicConstraints.ca, basicConstraints.critical]).toEqual([true, true]);
    expect(root.getExtension(KeyUsagesExtension)!.usages & KeyUsageFlags.keyCertSign).toBeTruthy();
  });

  it.each(CLUSTERS)("gives %s an intermediate with the parameters of Istio's Makefile.selfsigned.mk", (cluster) => {
    const intermediate = certificateAt(at(cluster, "ca-cert.pem"));
    expect(intermediate.subject).toBe(`O=Istio, CN=Intermediate CA, L=${cluster}`);
    expect(intermediate.issuer).toBe("O=Istio, CN=Root CA");
    expect(new NodeCertificate(read(at(cluster, "ca-cert.pem"))).publicKey.asymmetricKeyDetails?.modulusLength).toBe(
      TEST_KEY_BITS,
    );
    expect(Math.round((intermediate.notAfter.getTime() - intermediate.notBefore.getTime()) / DAY_MS)).toBe(730);

    const basicConstraints = intermediate.getExtension(BasicConstraintsExtension)!;
    expect([basicConstraints.ca, basicConstraints.pathLength, basicConstraints.critical]).toEqual([true, 0, true]);
    const keyUsage = intermediate.getExtension(KeyUsagesExtension)!;
    expect(keyUsage.critical).toBe(true);
    expect(keyUsage.usages).toBe(
      KeyUsageFlags.keyCertSign |
        KeyUsageFlags.cRLSign |
        KeyUsageFlags.digitalSignature |
        KeyUsageFlags.keyEncipherment,
    );
    expect(intermediate.getExtension(SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([
      { type: "dns", value: "istiod.istio-system.svc" },
    ]);

    // The same facts as openssl reads them, in the words of the Makefile flow.
    const text = openssl("x509", "-in", at(cluster, "ca-cert.pem"), "-noout", "-text");
    expect(text).toContain(`Subject: O = Istio, CN = Intermediate CA, L = ${cluster}`);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(
      /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Certificate Sign, CRL Sign/,
    );
    expect(text).toContain("DNS:istiod.istio-system.svc");
    expect(text).toContain(`Public-Key: (${TEST_KEY_BITS} bit)`);
  });

  it.each(CLUSTERS)(
    "chains %s's intermediate to the root, as openssl verify and the signature say",
    async (cluster) => {
      const output = openssl(
        "verify",
        "-CAfile",
        at("root-cert.pem"),
        "-untrusted",
        at(cluster, "cert-chain.pem"),
        at(cluster, "ca-cert.pem"),
      );
      expect(output.trim()).toBe(`${at(cluster, "ca-cert.pem")}: OK`);
      const root = certificateAt(at("root-cert.pem"));
      expect(
        await certificateAt(at(cluster, "ca-cert.pem")).verify({ publicKey: root.publicKey, signatureOnly: true }),
      ).toBe(true);

      const chain = read(at(cluster, "cert-chain.pem")).match(
        /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g,
      )!;
      expect(chain.map((pem) => new X509Certificate(pem).subject)).toEqual([
        `O=Istio, CN=Intermediate CA, L=${cluster}`,
        "O=Istio, CN=Root CA",
      ]);
      expect(read(at(cluster, "root-cert.pem"))).toBe(read(at("root-cert.pem")));
    },
  );

  it("writes PKCS#8 keys that match their certificates, and only theirs", () => {
    const pairs = [
      [at("root-key.pem"), at("root-cert.pem")],
      ...CLUSTERS.map((cluster) => [at(cluster, "ca-key.pem"), at(cluster, "ca-cert.pem")]),
    ];
    for (const [keyFile, certFile] of pairs) {
      expect(read(keyFile)).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(new NodeCertificate(read(certFile)).checkPrivateKey(createPrivateKey(read(keyFile)))).toBe(true);
    }
    expect(
      new NodeCertificate(read(at("cluster2", "ca-cert.pem"))).checkPrivateKey(
        createPrivateKey(read(at("cluster1", "ca-key.pem"))),
      ),
    ).toBe(false);
  });

  it("makes private keys owner-only (0600) and the CA directories private (0700)", () => {
    const mode = (file: string) => statSync(file).mode & 0o777;
    expect(mode(at("root-key.pem"))).toBe(0o600);
    for (const cluster of CLUSTERS) expect(mode(at(cluster, "ca-key.pem"))).toBe(0o600);
    expect(mode(at("cluster1", "ca-cert.pem"))).toBe(0o644);
    expect(mode(caDirectory)).toBe(0o700);
    expect(mode(at("cluster1"))).toBe(0o700);
  });

  it("lists the key files for the git-ignore check, and this repository's .gitignore covers them", () => {
    expect(first.keyFiles.sort()).toEqual([
      at("cluster1", "ca-key.pem"),
      at("cluster2", "ca-key.pem"),
      at("root-key.pem"),
    ]);
    // The paths a default CA and a bring-your-own directory put keys at, inside the project.
    for (const file of [
      "ca/root-key.pem",
      "ca/cluster1/ca-key.pem",
      "ca/cluster1/ca-cert.pem",
      "pki/mesh/cluster1/ca-key.pem",
    ]) {
      const result = spawnSync("git", ["check-ignore", "--quiet", "--no-index", file], { cwd: PROJECT_DIR });
      expect([file, result.status]).toEqual([file, 0]);
    }
  });

  it("keeps everything on a second run: same files, same root fingerprint", async () => {
    const before = snapshot(caDirectory);
    const rootFingerprint = new NodeCertificate(read(at("root-cert.pem"))).fingerprint256;
    const second = await ensureMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir });
    expect(second.created).toEqual([]);
    expect(second.kept.map((entry) => entry.name)).toEqual(["root", "cluster1", "cluster2"]);
    expect(snapshot(caDirectory)).toEqual(before);
    expect(new NodeCertificate(read(at("root-cert.pem"))).fingerprint256).toBe(rootFingerprint);
  });

  it("adds a third cluster under the same root without touching the others' files, with a 4096-bit key by default", async () => {
    const before = snapshot(caDirectory);
    const third = await ensureMeshCa({ caDirectory: "ca", clusterNames: [...CLUSTERS, "cluster3"], projectDir });
    expect(third.created.map((entry) => entry.name)).toEqual(["cluster3"]);
    const after = snapshot(caDirectory);
    for (const [file, state] of Object.entries(before)) expect([file, after[file]]).toEqual([file, state]);
    expect(
      Object.keys(after)
        .filter((file) => !(file in before))
        .sort(),
    ).toEqual(
      ["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"].map((name) => path.join("cluster3", name)),
    );
    const output = openssl(
      "verify",
      "-CAfile",
      at("root-cert.pem"),
      "-untrusted",
      at("cluster3", "cert-chain.pem"),
      at("cluster3", "ca-cert.pem"),
    );
    expect(output).toContain(": OK");
    // The key size of Istio's Makefile.selfsigned.mk, for root and intermediates alike.
    expect(CA_KEY_BITS).toBe(4096);
    expect(openssl("x509", "-in", at("cluster3", "ca-cert.pem"), "-noout", "-text")).toContain(
      "Public-Key: (4096 bit)",
    );
  });

  describe("refuses, before writing anything, a CA it cannot safely extend", () => {
    /** A copy of the generated CA, broken by `breakIt`; the run must fail with `message` and change nothing. */
    async function expectRefusal(
      breakIt: (copy: string) => void,
      message: string | RegExp,
      clusterNames = [...CLUSTERS, "cluster4"],
    ) {
      const copyProject = mkdtempSync(path.join(tmpdir(), "mesh-certs-broken-"));
      try {
        cpSync(caDirectory, path.join(copyProject, "ca"), { recursive: true });
        breakIt(path.join(copyProject, "ca"));
        const before = snapshot(path.join(copyProject, "ca"));
        const run = ensureMeshCa({ caDirectory: "ca", clusterNames, projectDir: copyProject });
        await expect(run).rejects.toThrow(CaError);
        await run.catch((error: CaError) => expect(error.message).toMatch(message));
        expect(snapshot(path.join(copyProject, "ca"))).toEqual(before);
      } finally {
        rmSync(copyProject, { recursive: true, force: true });
      }
    }

    it("a cluster folder with some files missing", () =>
      expectRefusal(
        (ca) => unlinkSync(path.join(ca, "cluster1", "cert-chain.pem")),
        "ca/cluster1/cert-chain.pem is missing: restore it, or delete ca/cluster1/ and run `npm run certs`",
      ));

    it("intermediates without their root certificate (it never mints a new root under them)", () =>
      expectRefusal(
        (ca) => unlinkSync(path.join(ca, "root-cert.pem")),
        "ca/root-cert.pem is missing but ca/root-key.pem, ca/cluster1/, ca/cluster2/ exist: restore the root certificate, or move ca/ aside",
      ));

    it("a new cluster to sign while the root key is gone", () =>
      expectRefusal(
        (ca) => unlinkSync(path.join(ca, "root-key.pem")),
        "ca/cluster4/ does not hold cluster cluster4's intermediate CA, and npm run certs cannot issue it (ca/root-key.pem is not there): restore ca/root-key.pem and run `npm run certs`, or put ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem from your PKI there",
      ));

    it("an expired intermediate, saying how to renew it", async () => {
      const twoYearsOn = new Date(Date.now() + 800 * DAY_MS);
      const run = ensureMeshCa({ caDirectory, clusterNames: CLUSTERS, now: twoYearsOn, projectDir });
      await expect(run).rejects.toThrow(
        /ca\/cluster1\/ca-cert\.pem expired on \d{4}-\d\d-\d\d: delete ca\/cluster1\/ and run `npm run certs`/,
      );
    });

    it("a key that does not match its certificate", () =>
      expectRefusal(
        (ca) => cpSync(path.join(ca, "cluster2", "ca-key.pem"), path.join(ca, "cluster1", "ca-key.pem")),
        "ca/cluster1/ca-key.pem does not match ca/cluster1/ca-cert.pem",
      ));
  });

  describe("the CLI", () => {
    const cli = (configFile: string) =>
      spawnSync(process.execPath, [...TS_NODE_ARGS, path.join(PROJECT_DIR, "certs", "main.ts")], {
        cwd: PROJECT_DIR,
        env: { ...process.env, MESH_CONFIG: configFile },
        encoding: "utf8",
      });
    const config = (caDir: string) => {
      const file = path.join(projectDir, `mesh-${path.basename(caDir)}.yaml`);
      writeFileSync(
        file,
        [
          "meshId: mesh1",
          "apiAllowedCidrs: [203.0.113.0/24]",
          `certificateAuthority: { directory: ${JSON.stringify(path.relative(PROJECT_DIR, caDir))} }`,
          "clusters:",
          ...CLUSTERS.map(
            (name, index) => `  - { name: ${name}, region: us-west-2, vpcCidr: 10.${10 + index}.0.0/16 }`,
          ),
        ].join("\n"),
      );
      return file;
    };

    it("prints what it kept and exits 0 when the CA is complete", () => {
      const result = cli(config(caDirectory));
      expect(result.stderr).not.toMatch(/Error|Warning/);
      expect(result.status).toBe(0);
      const shown = (file: string) => displayPath(PROJECT_DIR, file);
      expect(result.stdout).toContain(`kept    ${shown(at("root-cert.pem"))} (mesh root, valid until `);
      expect(result.stdout).toContain(`kept    ${shown(at("cluster2"))}/ (intermediate of cluster2, valid until `);
    });

    it("exits 1 with every problem and no stack trace when the CA is broken", () => {
      const broken = path.join(projectDir, "broken-ca");
      cpSync(caDirectory, broken, { recursive: true });
      writeFileSync(path.join(broken, "cluster1", "ca-cert.pem"), "not a certificate\n");
      writeFileSync(path.join(broken, "cluster2", "root-cert.pem"), read(at("cluster2", "ca-cert.pem")));
      const result = cli(config(broken));
      expect(result.status).toBe(1);
      // Messages name files as the user sees them from the project (relative when close, else in full).
      const shown = displayPath(PROJECT_DIR, broken);
      expect(result.stderr).toContain(`CA directory ${shown}/ is not usable:`);
      expect(result.stderr).toContain(`${shown}/cluster1/ca-cert.pem holds no PEM certificate`);
      expect(result.stderr).toContain(`${shown}/cluster2/root-cert.pem differs from ${shown}/root-cert.pem`);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    });
  });
});
