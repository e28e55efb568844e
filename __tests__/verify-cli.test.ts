import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { loadMeshConfig } from "../config/load";
import { PROJECT_DIR } from "../config/project";
import type { MeshSpec } from "../config/spec";
import {
  closedPortUrl,
  FakeApiServer,
  startAnsweringServer,
  startFakeApiServer,
  startPageServer,
  startSilentServer,
} from "./helpers/fake-kube-api";
import { FakeCluster, healthyMesh, ISTIOD_CLUSTERZ_COMMAND, ISTIOD_POD, ROOT_B } from "./helpers/fake-mesh";
import { TS_NODE_ARGS } from "./helpers/run-ts";
import { runCollecting } from "./helpers/spawn";
import { CHECKS } from "../verify/checks";

/**
 * `npm run verify` end to end: the real CLI in a subprocess (node with the swc hook, as `npm run
 * verify` runs it), the real @kubernetes/client-node, fake API servers on 127.0.0.1 serving a
 * deployed mesh, and a generated kubeconfig pointing at them. The exec-based traffic check runs
 * through client-node's WebSocket exec against the fake server, too.
 */

const TOKEN = "verify-test-token";
const work = mkdtempSync(path.join(tmpdir(), "verify-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with only the environment it documents (MESH_CONFIG, KUBECONFIG) plus PATH and HOME. */
function verify(env: Record<string, string>, args: string[] = []): Promise<Run> {
  return runCollecting(process.execPath, [...TS_NODE_ARGS, "verify/main.ts", ...args], {
    cwd: PROJECT_DIR,
    env: { PATH: process.env.PATH ?? "", HOME: work, NO_COLOR: "1", ...env },
    timeoutMs: 40_000,
  });
}

let configCount = 0;
/** Writes a mesh config whose contexts are named ctx-<cluster>, so the kubeContext setting is exercised. */
function meshConfig(clusterNames: string[], settings: { samples?: boolean } = {}): { file: string; spec: MeshSpec } {
  const file = path.join(work, `mesh-${++configCount}.yaml`);
  const regions = [
    "us-west-2",
    "us-east-2",
    "eu-central-1",
    "eu-west-1",
    "ap-southeast-2",
    "ca-central-1",
    "sa-east-1",
  ];
  writeFileSync(
    file,
    stringify({
      meshId: "mesh-under-test",
      apiAllowedCidrs: ["203.0.113.0/24"],
      ...settings,
      clusters: clusterNames.map((name, index) => ({
        name,
        region: regions[index],
        vpcCidr: `10.${10 * (index + 1)}.0.0/16`,
        kubeContext: `ctx-${name}`,
      })),
    }),
  );
  return { file, spec: loadMeshConfig(file).spec };
}

/**
 * A kubeconfig with one context per entry; a context whose server is undefined is left out. Its
 * user holds the test token, another token, or whatever `user` says.
 */
function kubeconfig(
  entries: { context: string; server?: string; token?: string; user?: Record<string, unknown> }[],
): string {
  const file = path.join(work, `kubeconfig-${++configCount}`);
  const present = entries.filter((entry) => entry.server);
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      // client-node accepts a plain-HTTP server only with TLS verification off.
      clusters: present.map((entry) => ({
        name: entry.context,
        cluster: { server: entry.server, "insecure-skip-tls-verify": true },
      })),
      users: present.map((entry) => ({ name: entry.context, user: entry.user ?? { token: entry.token ?? TOKEN } })),
      contexts: present.map((entry) => ({
        name: entry.context,
        context: { cluster: entry.context, user: entry.context },
      })),
      "current-context": present[0]?.context ?? "",
    }),
  );
  return file;
}

/** The printed line of one check, e.g. line(run, "istiod", "cluster1") -> "FAIL  istiod  cluster1  …". */
function line(run: Run, check: string, cluster: string): string {
  const found = run.stdout
    .split("\n")
    .find((text) =>
      new RegExp(`^(PASS|FAIL|SKIP|N/A)\\s+${check}\\s+${cluster.replace(/[()]/g, "\\$&")}\\s`).test(text),
    );
  if (!found) throw new Error(`no ${check} line for ${cluster} in:\n${run.stdout}\n${run.stderr}`);
  return found;
}

const hintAfter = (run: Run, check: string, cluster: string) => {
  const lines = run.stdout.split("\n");
  const next = lines[lines.indexOf(line(run, check, cluster)) + 1] ?? "";
  return next.trim().startsWith("hint:") ? next.trim() : "";
};

/** Serves every cluster of a FakeCluster map on its own fake API server. */
async function serve(clusters: Map<string, FakeCluster>): Promise<Map<string, FakeApiServer>> {
  const servers = new Map<string, FakeApiServer>();
  for (const [name, cluster] of clusters) servers.set(name, await startFakeApiServer(cluster, TOKEN));
  return servers;
}

const closeAll = (servers: Map<string, FakeApiServer>) =>
  Promise.all([...servers.values()].map((server) => server.close()));
/** An exec credential plugin, as aws eks update-kubeconfig writes one, whose command fails without a word. */
const EXEC_THAT_FAILS = {
  apiVersion: "client.authentication.k8s.io/v1beta1",
  command: process.execPath,
  args: ["-e", "process.exit(3)"],
};

/** A line of a JavaScript stack trace, with or without a function name. */
const STACK_FRAME = /^\s+at (.+ \()?\S+:\d+:\d+\)?$/m;

// Each test runs its own CLI subprocess against its own fake servers and files, so they run
// concurrently: most of their time is spent waiting on the subprocesses.
describe("npm run verify against fake API servers", () => {
  it.concurrent("passes every check of a healthy two-cluster mesh and exits 0, reading only", async () => {
    const { file, spec } = meshConfig(["cluster1", "cluster2"]);
    const servers = await serve(healthyMesh(spec));
    try {
      const run = await verify({
        MESH_CONFIG: file,
        KUBECONFIG: kubeconfig(
          spec.clusters.map((cluster) => ({ context: cluster.kubeContext, server: servers.get(cluster.name)!.url })),
        ),
      });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      for (const cluster of ["cluster1", "cluster2"]) {
        for (const check of [
          "reachable",
          "root-cert",
          "istiod",
          "remote-secrets",
          "remote-sync",
          "east-west-gw",
          "traffic",
        ]) {
          expect(line(run, check, cluster)).toMatch(/^PASS/);
        }
      }
      expect(line(run, "shared-root", "(mesh)")).toMatch(/^PASS .*all 2 clusters share root CN=Root CA, O=Istio/);
      expect(line(run, "reachable", "cluster1")).toContain(
        `Kubernetes v1.35.2-eks-1234567 at ${servers.get("cluster1")!.url} (context ctx-cluster1)`,
      );
      expect(line(run, "istiod", "cluster2")).toContain(
        "meshID mesh-under-test, clusterName cluster2, network cluster2-network",
      );
      // 10 requests per cluster by default, answered round-robin by both clusters' versions over the WebSocket exec.
      expect(line(run, "traffic", "cluster1")).toContain("20/20 answered: v1 (cluster1) 10, v2 (cluster2) 10");
      expect(line(run, "remote-sync", "cluster1")).toMatch(
        /^PASS\s+remote-sync\s+cluster1\s+1 istiod replica synced cluster2$/,
      );
      expect(run.stdout).toMatch(/19 passed, 0 failed, 0 skipped: the mesh works \(exit 0\)/);

      const requests = servers.get("cluster1")!.requests;
      expect(requests.every((request) => request.startsWith("GET "))).toBe(true);
      const execs = requests.filter((request) => request.includes("/exec?"));
      const params = (request: string) => new URLSearchParams(request.split("?")[1]);
      const curl = execs.find((request) =>
        request.includes("/api/v1/namespaces/sample/pods/curl-5b549b49b8-mg7nl/exec?"),
      )!;
      expect(params(curl).get("container")).toBe("curl");
      expect(params(curl).getAll("command").slice(0, 2)).toEqual(["curl", "-sS"]);
      // istiod's cluster list, asked over the same WebSocket exec: the API server's service proxy would get a 401.
      const clusterz = execs.find((request) =>
        request.includes(`/api/v1/namespaces/istio-system/pods/${ISTIOD_POD}/exec?`),
      )!;
      expect(params(clusterz).get("container")).toBe("discovery");
      expect(params(clusterz).getAll("command")).toEqual([...ISTIOD_CLUSTERZ_COMMAND]);
      expect(execs).toHaveLength(2);
    } finally {
      await closeAll(servers);
    }
  });

  it.concurrent("reports each broken piece with its reason and hint, and exits 1", async () => {
    const { file, spec } = meshConfig(["cluster1", "cluster2"]);
    const mesh = healthyMesh(spec);
    const one = mesh.get("cluster1")!;
    const two = mesh.get("cluster2")!;
    // cluster2 got its own root; cluster1 sits on the wrong network; cluster2 lacks cluster1's
    // remote secret (so its istiod does not read cluster1); cluster1's east-west load balancer has no address.
    two.objects["istio-system"]!.secrets!.cacerts.data["root-cert.pem"] = Buffer.from(ROOT_B).toString("base64");
    two.objects["istio-system"]!.configmaps!["istio-ca-root-cert"].data["root-cert.pem"] = ROOT_B;
    one.namespaces["istio-system"].metadata.labels["topology.istio.io/network"] = "network1";
    delete two.objects["istio-system"]!.secrets!["istio-remote-secret-cluster1"];
    one.objects["istio-system"]!.services!["istio-eastwestgateway"].status = { loadBalancer: {} };
    const servers = await serve(mesh);
    try {
      const run = await verify({
        MESH_CONFIG: file,
        KUBECONFIG: kubeconfig(
          spec.clusters.map((cluster) => ({ context: cluster.kubeContext, server: servers.get(cluster.name)!.url })),
        ),
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe("");
      expect(line(run, "shared-root", "(mesh)")).toMatch(
        /^FAIL .*clusters trust different roots \(cluster1 [0-9A-F:]+…, cluster2 [0-9A-F:]+…\)/,
      );
      expect(hintAfter(run, "shared-root", "(mesh)")).toContain("npm run certs");
      expect(line(run, "istiod", "cluster1")).toMatch(
        /^FAIL .*network label topology.istio.io\/network of namespace istio-system is "network1", expected "cluster1-network"/,
      );
      expect(line(run, "istiod", "cluster2")).toMatch(/^PASS/);
      expect(line(run, "remote-secrets", "cluster2")).toMatch(/^FAIL .*no istio-remote-secret-cluster1 for cluster1/);
      expect(hintAfter(run, "remote-secrets", "cluster2")).toContain("mesh-links");
      expect(line(run, "remote-sync", "cluster2")).toMatch(
        /^FAIL .*istiod has not synced cluster1 \(not in its list: no remote secret for it loaded\)$/,
      );
      expect(hintAfter(run, "remote-sync", "cluster2")).toBe(
        "hint: fix the remote-secrets failure above first: istiod reads a cluster through its remote secret",
      );
      expect(line(run, "remote-secrets", "cluster1")).toMatch(
        /^PASS .*cluster2 \(https:\/\/cluster2\.gr7\.example\.eks\.amazonaws\.com\)/,
      );
      expect(line(run, "east-west-gw", "cluster1")).toMatch(/^FAIL .*no external address yet/);
      expect(hintAfter(run, "east-west-gw", "cluster1")).toContain(
        "kubectl --context ctx-cluster1 -n istio-system describe service istio-eastwestgateway",
      );
      expect(run.stdout).toMatch(/\d+ passed, 5 failed, 0 skipped: the mesh is not verified \(exit 1\)/);
      expect(run.stdout).not.toMatch(STACK_FRAME);
    } finally {
      await closeAll(servers);
    }
  });

  it.concurrent(
    "with samples: false, prints traffic as N/A and exits 0, unless istiod cannot read a remote cluster",
    async () => {
      const { file, spec } = meshConfig(["cluster1", "cluster2"], { samples: false });
      expect(spec.samples).toBe(false);
      const mesh = healthyMesh(spec);
      const servers = await serve(mesh);
      const env = {
        MESH_CONFIG: file,
        KUBECONFIG: kubeconfig(
          spec.clusters.map((cluster) => ({ context: cluster.kubeContext, server: servers.get(cluster.name)!.url })),
        ),
      };
      try {
        const healthy = await verify(env);
        expect(healthy.stderr).toBe("");
        expect(healthy.code).toBe(0);
        for (const cluster of ["cluster1", "cluster2"]) {
          expect(line(healthy, "traffic", cluster)).toMatch(
            new RegExp(`^N/A\\s+traffic\\s+${cluster}\\s+samples: false in the config$`),
          );
          expect(hintAfter(healthy, "traffic", cluster)).toContain("set samples: true");
        }
        expect(healthy.stdout).toMatch(
          /\n17 passed, 0 failed, 0 skipped, 2 not applicable: the mesh works; not tested: traffic \(samples: false in the config\) \(exit 0\)\n/,
        );
        const requests = [...servers.values()].flatMap((server) => server.requests);
        expect(requests.filter((request) => request.includes("/namespaces/sample"))).toEqual([]);

        // cluster1's istiod cannot read cluster2 (a stale token, or cluster2's endpoint does not admit
        // cluster1's NAT addresses), though the remote secret has the right shape.
        mesh.get("cluster1")!.remoteSyncStatus.cluster2 = "timeout";
        const unsynced = await verify(env);
        expect(unsynced.code).toBe(1);
        expect(line(unsynced, "remote-secrets", "cluster1")).toMatch(/^PASS/);
        expect(line(unsynced, "remote-sync", "cluster1")).toMatch(
          /^FAIL\s+remote-sync\s+cluster1\s+istiod has not synced cluster2 \(timeout: istiod could not read it within PILOT_REMOTE_CLUSTER_TIMEOUT, 30s by default\)$/,
        );
        const hint = hintAfter(unsynced, "remote-sync", "cluster1");
        expect(hint).toContain("check the token in istio-remote-secret-cluster2");
        expect(hint).toContain("apiAllowedCidrs");
        expect(hint).toContain("re-apply cluster2-eks");
        expect(hint).toContain("kubectl --context ctx-cluster1 -n istio-system logs deployment/istiod");
        expect(unsynced.stdout).toMatch(/16 passed, 1 failed, 0 skipped, 2 not applicable: the mesh is not verified/);
      } finally {
        await closeAll(servers);
      }
    },
  );

  it.concurrent(
    "fails an unreachable cluster clearly, skips what needs it, and never prints a stack trace",
    async () => {
      const { file, spec } = meshConfig(["cluster1", "cluster2"]);
      const servers = await serve(new Map([["cluster1", healthyMesh(spec).get("cluster1")!]]));
      const refused = await closedPortUrl();
      try {
        const run = await verify({
          MESH_CONFIG: file,
          KUBECONFIG: kubeconfig([
            { context: "ctx-cluster1", server: servers.get("cluster1")!.url },
            { context: "ctx-cluster2", server: refused },
          ]),
        });
        expect(run.code).toBe(1);
        expect(run.stderr).toBe("");
        expect(line(run, "reachable", "cluster1")).toMatch(/^PASS/);
        expect(line(run, "reachable", "cluster2")).toMatch(
          new RegExp(`^FAIL\\s+reachable\\s+cluster2\\s+connection refused by ${refused}$`),
        );
        expect(hintAfter(run, "reachable", "cluster2")).toContain("apiAllowedCidrs");
        // cluster2 costs exactly two lines (and the failure's hint): its failure, and one for what it kept from running.
        const perCluster = CHECKS.filter((check) => check.kind === "cluster").map((check) => check.name);
        const notPassed = run.stdout.split("\n").filter((text) => /^(FAIL|SKIP|N\/A) |^\s+hint:/.test(text));
        expect(notPassed).toEqual([
          `FAIL  reachable       cluster2  connection refused by ${refused}`,
          `      hint: check that the cluster exists (npx cdktf deploy cluster2-eks) and that your address is inside apiAllowedCidrs, the only sources the EKS endpoint of ${refused} admits`,
          `SKIP  ${perCluster.length} checks        cluster2  not checked: cluster2 is not reachable (${perCluster.join(", ")})`,
        ]);
        // The mesh-wide and cross-cluster checks compare what was reached, and name what was left out.
        expect(line(run, "shared-root", "(mesh)")).toMatch(
          /^PASS {2}shared-root {5}\(mesh\) {4}the 1 reached cluster of 2 \(cluster1\) trusts root CN=Root CA, O=Istio \(SHA-256 [0-9A-F:]+…\); cluster2 not reached, not compared$/,
        );
        // cluster1's requests still reach cluster2's helloworld (v2), whose version cannot be read.
        expect(line(run, "traffic", "cluster1")).toBe(
          "PASS  traffic         cluster1  20/20 answered: v1 (cluster1) 10, v2 10; cluster2 not reached, not expected to answer",
        );
        // Every check of cluster1 passes; the reachable FAIL alone keeps the exit code at 1.
        expect(run.stdout).toContain(
          `\n${CHECKS.length} passed, 1 failed, ${perCluster.length} skipped: the mesh is not verified (exit 1)\n`,
        );
        expect(run.stdout).not.toMatch(STACK_FRAME);
      } finally {
        await closeAll(servers);
      }
    },
  );

  it.concurrent(
    "bounds a silent endpoint in time and names a missing context, rejected and unmakeable credentials",
    async () => {
      const { file, spec } = meshConfig([
        "cluster1",
        "cluster2",
        "cluster3",
        "cluster4",
        "cluster5",
        "cluster6",
        "cluster7",
      ]);
      const silent = await startSilentServer();
      // What a proxy or a login page in front of an endpoint answers.
      const loginPage = await startPageServer("text/html", "<html><body>Sign in</body></html>");
      const brokenJson = await startPageServer("application/json", "{not json");
      const servers = await serve(new Map([["cluster3", healthyMesh(spec).get("cluster3")!]]));
      try {
        const config = kubeconfig([
          { context: "ctx-cluster1", server: silent.url },
          { context: "ctx-cluster2" },
          { context: "ctx-cluster3", server: servers.get("cluster3")!.url, token: "stale-token" },
          // A credential command that fails silently, and a legacy auth-provider entry client-node cannot use.
          { context: "ctx-cluster4", server: servers.get("cluster3")!.url, user: { exec: EXEC_THAT_FAILS } },
          { context: "ctx-cluster5", server: servers.get("cluster3")!.url, user: { "auth-provider": { name: "gcp" } } },
          { context: "ctx-cluster6", server: loginPage.url },
          { context: "ctx-cluster7", server: brokenJson.url },
        ]);
        const run = await verify({ MESH_CONFIG: file, KUBECONFIG: config }, ["--timeout", "1"]);
        // The silent server never answers: only the 1s request limit ends the run (else the 40s kill, code null).
        expect(run.code).toBe(1);
        expect(line(run, "reachable", "cluster1")).toMatch(
          new RegExp(`^FAIL .*${silent.url} did not answer GET /version within 1s`),
        );
        expect(line(run, "reachable", "cluster2")).toMatch(
          new RegExp(`^FAIL .*context "ctx-cluster2" is not in kubeconfig ${config}`),
        );
        expect(hintAfter(run, "reachable", "cluster2")).toBe(
          "hint: aws eks update-kubeconfig --name cluster2 --region us-east-2 --alias ctx-cluster2",
        );
        expect(line(run, "reachable", "cluster3")).toMatch(
          /^FAIL .*answered HTTP 401 to GET \/version: credentials rejected/,
        );
        expect(hintAfter(run, "reachable", "cluster3")).toContain(
          "aws eks update-kubeconfig --name cluster3 --region eu-central-1 --alias ctx-cluster3",
        );
        expect(line(run, "reachable", "cluster4")).toMatch(
          new RegExp(
            `^FAIL .*the kubeconfig's credential command "${process.execPath} -e process.exit\\(3\\)" failed: it printed no error$`,
          ),
        );
        expect(line(run, "reachable", "cluster5")).toMatch(
          /^FAIL .*the kubeconfig's auth-provider "gcp" failed: its entry is incomplete$/,
        );
        expect(hintAfter(run, "reachable", "cluster5")).toContain(
          "aws eks update-kubeconfig --name cluster5 --region ap-southeast-2 --alias ctx-cluster5",
        );
        expect(line(run, "reachable", "cluster6")).toMatch(
          new RegExp(
            `^FAIL .*${loginPage.url} answered GET /version without a Kubernetes version, so it is not a Kubernetes API server`,
          ),
        );
        expect(line(run, "reachable", "cluster7")).toMatch(
          new RegExp(
            `^FAIL .*${brokenJson.url} answered GET /version with a body that is not JSON, so it is not a Kubernetes API server`,
          ),
        );
        expect(run.stdout).toMatch(/0 passed, 7 failed, \d+ skipped: the mesh is not verified \(exit 1\)/);
        expect(run.stdout + run.stderr).not.toMatch(STACK_FRAME);
      } finally {
        await Promise.all([silent.close(), loginPage.close(), brokenJson.close(), closeAll(servers)]);
      }
    },
  );

  it.concurrent(
    "reads the lists of an API that writes an empty list as null, as Go does, without an internal error",
    async () => {
      const { file } = meshConfig(["cluster1", "cluster2"]);
      const json = (value: unknown) => ({ contentType: "application/json", body: JSON.stringify(value) });
      // Every object exists and is empty; every list is null.
      const server = await startAnsweringServer((path) =>
        path === "/version"
          ? json({ gitVersion: "v1.35.0" })
          : /\/(namespaces|secrets|pods)$/.test(path) && !/\/namespaces\/[^/]+$/.test(path)
            ? json({ kind: "List", items: null })
            : json({ metadata: {} }),
      );
      try {
        const run = await verify({
          MESH_CONFIG: file,
          KUBECONFIG: kubeconfig([
            { context: "ctx-cluster1", server: server.url },
            { context: "ctx-cluster2", server: server.url },
          ]),
        });
        expect(run.code).toBe(1);
        expect(line(run, "reachable", "cluster1")).toMatch(/^PASS/);
        expect(line(run, "traffic", "cluster1")).toMatch(
          /^FAIL .*no running curl pod \(label app=curl\) in namespace sample$/,
        );
        expect(run.stdout).not.toMatch(/unexpected error|Cannot read|undefined/);
        expect(run.stdout + run.stderr).not.toMatch(STACK_FRAME);
      } finally {
        await server.close();
      }
    },
  );

  it.concurrent("exits 2 with a hint when it cannot start: no kubeconfig, bad mesh config, bad option", async () => {
    const { file } = meshConfig(["cluster1", "cluster2"]);
    const badConfig = path.join(work, "bad.yaml");
    writeFileSync(
      badConfig,
      "meshId: mesh1\nclusters:\n  - name: cluster1\n    region: mars-1\n    vpcCidr: 10.0.0.0/16\n",
    );
    const missing = path.join(work, "missing-kubeconfig");
    const [noKubeconfig, invalid, badOption] = await Promise.all([
      verify({ MESH_CONFIG: file, KUBECONFIG: missing }),
      verify({ MESH_CONFIG: badConfig, KUBECONFIG: missing }),
      verify({ MESH_CONFIG: file }, ["--requests", "0"]),
    ]);
    expect(noKubeconfig.code).toBe(2);
    expect(noKubeconfig.stderr).toContain(`no kubeconfig at ${path.join(work, "missing-kubeconfig")}`);
    expect(noKubeconfig.stderr).toContain(
      "hint: create one context per cluster: aws eks update-kubeconfig --name cluster1 --region us-west-2 --alias ctx-cluster1",
    );

    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/clusters\[0\]\.region "mars-1"/);

    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--requests "0" must be a whole number from 1 to 1000');
    for (const run of [noKubeconfig, invalid, badOption]) expect(run.stdout + run.stderr).not.toMatch(STACK_FRAME);
  });

  it.concurrent("exits 2 naming what is wrong with a kubeconfig that is empty, {} or not one at all", async () => {
    const { file } = meshConfig(["cluster1", "cluster2"]);
    const write = (name: string, content: string | Buffer) => {
      const target = path.join(work, name);
      writeFileSync(target, content);
      return target;
    };
    const folder = path.join(work, "kubeconfig-folder");
    mkdirSync(folder);
    const cases: readonly (readonly [string, string, RegExp])[] = [
      [write("kc-empty", ""), "create one context per cluster", /defines no contexts \(it is empty\)/],
      [write("kc-braces", "{}\n"), "create one context per cluster", /defines no contexts \(it is empty\)/],
      [write("kc-list", "- a\n- b\n"), "fix or recreate it", /its top level is a list, not a mapping/],
      [write("kc-clusters", "clusters: 5\n"), "fix or recreate it", /clusters is number 5, not a list/],
      [
        write(
          "kc-server",
          "clusters: [{name: c, cluster: {server: 5}}]\ncontexts: [{name: x, context: {cluster: c}}]\n",
        ),
        "fix or recreate it",
        /clusters\[0\]\.cluster\.server is number 5, not text/,
      ],
      [write("kc-yaml", "clusters: [unclosed\n"), "fix or recreate it", /is not valid YAML: /],
      [
        write("kc-binary", Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00])),
        "fix or recreate it",
        /is not UTF-8 text/,
      ],
      [folder, "fix or recreate it", /is a directory, not a file/],
    ];
    const runs = await Promise.all(
      cases.map(([kubeconfigFile]) => verify({ MESH_CONFIG: file, KUBECONFIG: kubeconfigFile })),
    );
    runs.forEach((run, index) => {
      const [kubeconfigFile, hint, problem] = cases[index];
      expect({ file: kubeconfigFile, code: run.code }).toEqual({ file: kubeconfigFile, code: 2 });
      const [message, hintLine, ...rest] = run.stderr.trimEnd().split("\n");
      expect(message).toMatch(new RegExp(`^kubeconfig ${kubeconfigFile} `));
      expect(message).toMatch(problem);
      expect(hintLine).toBe(
        `  hint: ${hint}: aws eks update-kubeconfig --name cluster1 --region us-west-2 --alias ctx-cluster1; aws eks update-kubeconfig --name cluster2 --region us-east-2 --alias ctx-cluster2`,
      );
      expect(rest).toEqual([]);
      expect(run.stdout).not.toMatch(/^(PASS|FAIL|SKIP)/m);
      expect(run.stdout + run.stderr).not.toMatch(STACK_FRAME);
    });
  });
});
