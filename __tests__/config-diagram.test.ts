import { readFileSync } from "node:fs";
import * as path from "node:path";
import { loadMeshConfig } from "../config/load";
import { REMOTE_SECRET_LABEL, topologyMarkdown, topologyMermaid } from "../scripts/topology";
import { PROJECT_DIR, example } from "./helpers/synth";

const arrows = (diagram: string, label: string) => diagram.split("\n").filter((line) => line.includes(`|${label}|`));

describe("docs/topology.md", () => {
  it("is what npm run diagram generates for the default config", () => {
    const committed = readFileSync(path.join(PROJECT_DIR, "docs", "topology.md"), "utf8");
    const { spec } = loadMeshConfig(example("two-clusters.yaml"));
    expect(committed).toBe(topologyMarkdown(spec, "examples/two-clusters.yaml"));
  });
});

describe("the topology diagram of three clusters", () => {
  const { spec } = loadMeshConfig(example("three-regions.yaml"));
  const diagram = topologyMermaid(spec);
  const names = spec.clusters.map((cluster) => cluster.name.replace(/-/g, "_"));

  it("has one subgraph per cluster with its region, network, VPC CIDR and components", () => {
    for (const cluster of spec.clusters) {
      expect(diagram).toContain(`["${cluster.name} · ${cluster.region} · network ${cluster.network}"]`);
      expect(diagram).toContain(`["VPC ${cluster.vpcCidr} · ${cluster.privateSubnetCidrs.length} zones"]`);
    }
    for (const name of names) {
      for (const part of ["api", "istiod", "eastWest", "alb", "ca"])
        expect(diagram).toMatch(new RegExp(`^ +${part}_${name}\\[`, "m"));
    }
    expect(diagram.match(/^ *subgraph /gm)).toHaveLength(2 * spec.clusters.length);
    expect(diagram.match(/^ *end$/gm)).toHaveLength(2 * spec.clusters.length);
  });

  it("draws a remote-secret arrow from every istiod to every other cluster's API server: 6 for 3 clusters", () => {
    const remoteSecrets = arrows(diagram, REMOTE_SECRET_LABEL);
    expect(remoteSecrets).toHaveLength(6);
    for (const from of names) {
      for (const to of names.filter((other) => other !== from)) {
        expect(remoteSecrets).toContain(`  istiod_${from} -.->|${REMOTE_SECRET_LABEL}| api_${to}`);
      }
    }
  });

  it("links every pair of east-west gateways on 15443 and signs each intermediate with the one root", () => {
    expect(arrows(diagram, "mTLS :15443")).toHaveLength(3);
    expect(arrows(diagram, "signs")).toEqual(names.map((name) => `  rootCa -->|signs| ca_${name}`));
    expect(diagram.match(/rootCa\[\[/g)).toHaveLength(1);
  });

  it("shows HTTPS on the ALB only where the cluster has a certificate", () => {
    const withCertificate = {
      ...spec,
      clusters: spec.clusters.map((cluster, index) =>
        index === 0
          ? { ...cluster, ingressCertificateArn: "arn:aws:acm:us-west-2:111122223333:certificate/x" }
          : cluster,
      ),
    };
    const albs = topologyMermaid(withCertificate)
      .split("\n")
      .filter((line) => line.includes("ALB ingress"));
    expect(albs.map((line) => /HTTPS :443|HTTP :80/.exec(line)?.[0])).toEqual(["HTTPS :443", "HTTP :80", "HTTP :80"]);
  });
});
