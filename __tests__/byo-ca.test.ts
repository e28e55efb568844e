import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as x509 from "@peculiar/x509";
import { ensureMeshCa, loadSigningCa, SigningCa } from "../certs/ca";
import { CaCheck, checkMeshCa, EXPIRY_WARNING_DAYS, validateCaDirectory } from "../certs/validate-ca";

/**
 * Bring-your-own CA: the synth-time check of a CA directory someone else made. Each failure kind
 * is one broken copy of a good CA, and each must be named with its file, what is wrong and the fix.
 */
const DAY_MS = 24 * 60 * 60 * 1000;
const CLUSTERS = ["cluster1", "cluster2"];

const workDir = mkdtempSync(path.join(tmpdir(), "mesh-byo-ca-"));
const goodProject = path.join(workDir, "good");
const otherProject = path.join(workDir, "other");
const read = (...parts: string[]) => readFileSync(path.join(...parts), "utf8");
let caseNumber = 0;

/** Copies the good CA into a fresh project, lets `breakIt` damage it, and validates the result. */
function checkBroken(breakIt: (ca: string) => void | Promise<void>, now?: Date): Promise<CaCheck> {
  const project = path.join(workDir, `case-${++caseNumber}`);
  const ca = path.join(project, "ca");
  cpSync(path.join(goodProject, "ca"), ca, { recursive: true });
  return Promise.resolve(breakIt(ca)).then(() =>
    validateCaDirectory({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project, now }),
  );
}

/** A certificate for an existing public key, signed by `issuer`, with the extensions given. */
async function issue(
  issuer: SigningCa,
  subject: string,
  publicKeyPem: string,
  extensions: x509.Extension[],
  validity = { notBefore: new Date(), notAfter: new Date(Date.now() + 365 * DAY_MS) },
): Promise<string> {
  const publicKey = await new x509.X509Certificate(publicKeyPem).publicKey.export();
  const certificate = await x509.X509CertificateGenerator.create({
    subject,
    issuer: issuer.certificate.subjectName,
    ...validity,
    publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: issuer.signingAlgorithm,
    extensions,
  });
  return `${certificate.toString("pem")}\n`;
}

let meshRoot: SigningCa;

beforeAll(async () => {
  // The mesh CA, and a second CA of the same shape (same names, other keys) to mix into it. The
  // checks do not depend on key size, so 2048-bit keys keep the suite fast (certs.test.ts covers 4096).
  const keyBits = 2048;
  await Promise.all([
    ensureMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: goodProject, keyBits }),
    ensureMeshCa({ caDirectory: "ca", clusterNames: ["cluster1"], projectDir: otherProject, keyBits }),
  ]);
  meshRoot = await loadSigningCa(read(goodProject, "ca", "root-cert.pem"), read(goodProject, "ca", "root-key.pem"));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("validateCaDirectory (bring your own CA)", () => {
  it("accepts a complete CA with neither problems nor warnings", () => {
    expect(validateCaDirectory({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: goodProject })).toEqual({
      problems: [],
      warnings: [],
    });
  });

  it("does not need the root key: a company root key stays offline", async () => {
    const result = await checkBroken((ca) => unlinkSync(path.join(ca, "root-key.pem")));
    expect(result).toEqual({ problems: [], warnings: [] });
  });

  it("names a missing file and how to restore it", async () => {
    const result = await checkBroken((ca) => unlinkSync(path.join(ca, "cluster2", "ca-key.pem")));
    expect(result.problems).toEqual([
      "ca/cluster2/ca-key.pem is missing: restore it, or delete ca/cluster2/ and run `npm run certs` to issue a new intermediate from the mesh root, or reissue it from your PKI",
    ]);
  });

  it("names a cluster with no folder at all", async () => {
    const result = await checkBroken((ca) => rmSync(path.join(ca, "cluster2"), { recursive: true }));
    expect(result.problems).toEqual([
      "ca/cluster2/ does not hold cluster cluster2's intermediate CA: run `npm run certs` to issue it, or put ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem from your PKI there",
    ]);
  });

  it("does not send the user to npm run certs for a missing root under existing intermediates (it would refuse)", async () => {
    const result = await checkBroken((ca) => {
      rmSync(path.join(ca, "cluster2"), { recursive: true });
      unlinkSync(path.join(ca, "root-cert.pem"));
    });
    expect(result.problems).toEqual([
      "ca/root-cert.pem is missing but ca/root-key.pem, ca/cluster1/ exist: restore the root certificate, or move ca/ aside and run `npm run certs` again to start a new CA (every cluster then needs a new deploy)",
    ]);
  });

  it("rejects an intermediate issued by a different root, even when its chain claims the mesh root", async () => {
    const result = await checkBroken((ca) => {
      for (const file of ["ca-cert.pem", "ca-key.pem"])
        cpSync(path.join(otherProject, "ca", "cluster1", file), path.join(ca, "cluster1", file));
      writeFileSync(
        path.join(ca, "cluster1", "cert-chain.pem"),
        read(ca, "cluster1", "ca-cert.pem") + read(ca, "root-cert.pem"),
      );
    });
    expect(result.problems).toEqual([
      expect.stringMatching(
        /^ca\/cluster1\/ca-cert\.pem is not signed by the mesh root ca\/root-cert\.pem \(its issuer is "O=Istio, CN=Root CA"\): it comes from another CA; delete ca\/cluster1\/ and run `npm run certs`/,
      ),
    ]);
  });

  it("rejects a cluster folder copied from another CA: its root and its chain both differ", async () => {
    const result = await checkBroken((ca) => {
      rmSync(path.join(ca, "cluster1"), { recursive: true });
      cpSync(path.join(otherProject, "ca", "cluster1"), path.join(ca, "cluster1"), { recursive: true });
    });
    expect(result.problems).toEqual([
      expect.stringMatching(
        /^ca\/cluster1\/root-cert\.pem differs from ca\/root-cert\.pem: every cluster must trust the same root/,
      ),
      expect.stringMatching(
        /^ca\/cluster1\/cert-chain\.pem ends with "O=Istio, CN=Root CA" \(SHA-256 [0-9A-F:]{23}…\), not the mesh root ca\/root-cert\.pem \(SHA-256 [0-9A-F:]{23}…\): the intermediate must chain to the one mesh root/,
      ),
    ]);
  });

  it("rejects a cluster whose root-cert.pem is not the mesh root", async () => {
    const result = await checkBroken((ca) =>
      cpSync(path.join(otherProject, "ca", "root-cert.pem"), path.join(ca, "cluster2", "root-cert.pem")),
    );
    expect(result.problems).toEqual([
      "ca/cluster2/root-cert.pem differs from ca/root-cert.pem: every cluster must trust the same root or cross-cluster mTLS fails; copy ca/root-cert.pem over it (and reissue the intermediate if it came from another root)",
    ]);
  });

  it("rejects keys that do not match their certificates", async () => {
    const result = await checkBroken((ca) => {
      cpSync(path.join(ca, "cluster2", "ca-key.pem"), path.join(ca, "cluster1", "ca-key.pem"));
      cpSync(path.join(otherProject, "ca", "root-key.pem"), path.join(ca, "root-key.pem"));
    });
    expect(result.problems).toEqual([
      "ca/root-key.pem does not match ca/root-cert.pem: restore the root's own key, or remove root-key.pem if the root key is kept elsewhere (it is needed only to issue intermediates)",
      "ca/cluster1/ca-key.pem does not match ca/cluster1/ca-cert.pem: put the key the certificate was issued for there, or delete ca/cluster1/ and run `npm run certs` to issue a new intermediate from the mesh root, or reissue it from your PKI",
    ]);
  });

  it("rejects an expired intermediate and says how to renew it", async () => {
    const intermediateEnd = new x509.X509Certificate(read(goodProject, "ca", "cluster1", "ca-cert.pem")).notAfter;
    const result = await checkBroken(() => undefined, new Date(intermediateEnd.getTime() + DAY_MS));
    const day = intermediateEnd.toISOString().slice(0, 10);
    expect(result.problems).toEqual(
      CLUSTERS.map(
        (cluster) =>
          `ca/${cluster}/ca-cert.pem expired on ${day}: delete ca/${cluster}/ and run \`npm run certs\` to issue a new intermediate from the mesh root, or reissue it from your PKI, then deploy cluster ${cluster} again`,
      ),
    );
  });

  it("rejects a certificate file that really is expired", async () => {
    const expired = await issue(
      meshRoot,
      "O=Istio, CN=Intermediate CA, L=cluster1",
      read(goodProject, "ca", "cluster1", "ca-cert.pem"),
      [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
      { notBefore: new Date(Date.now() - 400 * DAY_MS), notAfter: new Date(Date.now() - 35 * DAY_MS) },
    );
    const result = await checkBroken((ca) => {
      writeFileSync(path.join(ca, "cluster1", "ca-cert.pem"), expired);
      writeFileSync(path.join(ca, "cluster1", "cert-chain.pem"), expired + read(ca, "root-cert.pem"));
    });
    expect(result.problems).toEqual([
      expect.stringMatching(/^ca\/cluster1\/ca-cert\.pem expired on \d{4}-\d\d-\d\d: delete ca\/cluster1\//),
    ]);
  });

  it(`warns, without failing, about certificates expiring within ${EXPIRY_WARNING_DAYS} days`, async () => {
    const intermediateEnd = new x509.X509Certificate(read(goodProject, "ca", "cluster1", "ca-cert.pem")).notAfter;
    const result = await checkBroken(() => undefined, new Date(intermediateEnd.getTime() - 10 * DAY_MS));
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual(
      CLUSTERS.map((cluster) =>
        expect.stringMatching(
          new RegExp(
            `^ca/${cluster}/ca-cert\\.pem expires on \\d{4}-\\d\\d-\\d\\d, in (9|10) days: delete ca/${cluster}/`,
          ),
        ),
      ),
    );
  });

  it("rejects an intermediate that is not a CA, or may not sign certificates", async () => {
    const clusterPem = read(goodProject, "ca", "cluster1", "ca-cert.pem");
    const leaf = await issue(meshRoot, "O=Istio, CN=Intermediate CA, L=cluster1", clusterPem, [
      new x509.BasicConstraintsExtension(false, undefined, true),
    ]);
    const noSigning = await issue(
      meshRoot,
      "O=Istio, CN=Intermediate CA, L=cluster2",
      read(goodProject, "ca", "cluster2", "ca-cert.pem"),
      [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ],
    );
    const result = await checkBroken((ca) => {
      for (const [cluster, pem] of [
        ["cluster1", leaf],
        ["cluster2", noSigning],
      ]) {
        writeFileSync(path.join(ca, cluster, "ca-cert.pem"), pem);
        writeFileSync(path.join(ca, cluster, "cert-chain.pem"), pem + read(ca, "root-cert.pem"));
      }
    });
    expect(result.problems).toEqual([
      "ca/cluster1/ca-cert.pem is not a CA certificate (no basicConstraints CA:TRUE): istiod cannot issue workload certificates with it: delete ca/cluster1/ and run `npm run certs` to issue a new intermediate from the mesh root, or reissue it from your PKI (basicConstraints CA:TRUE, keyUsage keyCertSign)",
      "ca/cluster2/ca-cert.pem may not sign certificates (its keyUsage lacks keyCertSign): istiod cannot issue workload certificates with it: delete ca/cluster2/ and run `npm run certs` to issue a new intermediate from the mesh root, or reissue it from your PKI (basicConstraints CA:TRUE, keyUsage keyCertSign)",
    ]);
  });

  it("rejects files that are not PEM certificates or usable keys", async () => {
    const encrypted = createPrivateKey(read(goodProject, "ca", "cluster2", "ca-key.pem")).export({
      type: "pkcs8",
      format: "pem",
      cipher: "aes-256-cbc",
      passphrase: "secret",
    });
    const result = await checkBroken((ca) => {
      writeFileSync(path.join(ca, "cluster1", "cert-chain.pem"), "certificate goes here\n");
      writeFileSync(path.join(ca, "cluster2", "ca-key.pem"), encrypted);
    });
    expect(result.problems).toEqual([
      'ca/cluster1/cert-chain.pem holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): put the certificate there in PEM form (openssl x509 -inform der converts DER)',
      "ca/cluster2/ca-key.pem is encrypted: istiod needs it unencrypted (openssl pkey -in <encrypted> -out ca/cluster2/ca-key.pem)",
    ]);
  });

  it("rejects a chain in the wrong order", async () => {
    const result = await checkBroken((ca) =>
      writeFileSync(
        path.join(ca, "cluster1", "cert-chain.pem"),
        read(ca, "root-cert.pem") + read(ca, "cluster1", "ca-cert.pem"),
      ),
    );
    expect(result.problems[0]).toBe(
      "ca/cluster1/cert-chain.pem does not start with ca/cluster1/ca-cert.pem: write the intermediate first, then each issuer up to the root (cat ca-cert.pem root-cert.pem > cert-chain.pem)",
    );
  });

  it("accepts a longer chain through a company issuing CA, which openssl verifies too", async () => {
    // The company issuing CA reuses the other CA's root key: any key not the mesh root's will do.
    const issuingPem = await issue(
      meshRoot,
      "O=Example Corp, CN=Issuing CA",
      read(otherProject, "ca", "root-cert.pem"),
      [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    );
    const issuing = await loadSigningCa(issuingPem, read(otherProject, "ca", "root-key.pem"));
    const clusterPem = await issue(
      issuing,
      "O=Example Corp, CN=Istio cluster1",
      read(goodProject, "ca", "cluster1", "ca-cert.pem"),
      [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    );
    let caDir = "";
    const result = await checkBroken((ca) => {
      caDir = ca;
      writeFileSync(path.join(ca, "cluster1", "ca-cert.pem"), clusterPem);
      writeFileSync(path.join(ca, "cluster1", "cert-chain.pem"), clusterPem + issuingPem + read(ca, "root-cert.pem"));
    });
    expect(result).toEqual({ problems: [], warnings: [] });
    const at = (...parts: string[]) => path.join(caDir, ...parts);
    const output = execFileSync(
      "openssl",
      [
        "verify",
        "-CAfile",
        at("root-cert.pem"),
        "-untrusted",
        at("cluster1", "cert-chain.pem"),
        at("cluster1", "ca-cert.pem"),
      ],
      {
        encoding: "utf8",
      },
    );
    expect(output).toContain(": OK");
  });

  it("reports every problem at once", async () => {
    const result = await checkBroken((ca) => {
      unlinkSync(path.join(ca, "cluster1", "root-cert.pem"));
      cpSync(path.join(ca, "cluster1", "ca-key.pem"), path.join(ca, "cluster2", "ca-key.pem"));
    });
    expect(result.problems.map((problem) => problem.split(" ").slice(0, 3).join(" "))).toEqual([
      "ca/cluster1/root-cert.pem is missing:",
      "ca/cluster2/ca-key.pem does not",
    ]);
  });
});

describe("checkMeshCa (synth time)", () => {
  it("lets a fresh clone without a CA directory synthesize, with a warning to create one before deploy", () => {
    const result = checkMeshCa({
      caDirectory: "ca",
      clusterNames: CLUSTERS,
      projectDir: path.join(workDir, "fresh-clone"),
    });
    expect(result.missing).toBe(true);
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([
      "CA directory ca/ does not exist yet: synth goes on, but run `npm run certs` (or put your own CA there, see certificateAuthority.directory) before cdktf deploy, or the apply fails reading the cacerts files",
    ]);
  });

  it("validates a CA directory that exists", () => {
    expect(checkMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: goodProject })).toEqual({
      missing: false,
      problems: [],
      warnings: [],
    });
    const project = path.join(workDir, "synth-broken");
    cpSync(path.join(goodProject, "ca"), path.join(project, "ca"), { recursive: true });
    unlinkSync(path.join(project, "ca", "cluster1", "ca-cert.pem"));
    expect(checkMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project }).problems).toEqual([
      expect.stringMatching(/^ca\/cluster1\/ca-cert\.pem is missing/),
    ]);
  });

  it("refuses a file where the CA directory should be", () => {
    const project = path.join(workDir, "file-project");
    cpSync(path.join(goodProject, "ca", "root-cert.pem"), path.join(project, "ca"));
    expect(checkMeshCa({ caDirectory: "ca", clusterNames: CLUSTERS, projectDir: project }).problems).toEqual([
      "ca is a file, not a directory: point certificateAuthority.directory at the CA directory",
    ]);
  });
});
