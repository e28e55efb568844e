import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { validateMeshConfig } from "../config/load";
import { ConfigError, formatProblem } from "../config/problems";
import { EksCluster } from "../constructs/cluster/eks-cluster";
import { reviewAddresses } from "../scripts/terraform-addresses";
import { resourcesOf, synthWith } from "./helpers/synth";
import { hasTerraform, terraformEval } from "./helpers/terraform";

const ARN = (resource: string) => `arn:aws:iam::111122223333:${resource}`;
const ADMINS = [
  ARN("role/platform-admins"),
  ARN("role/team/x"),
  ARN("role/team-x"),
  ARN("role/team/platform.admins"),
  ARN("user/alice@example.com"),
];

const synthAdmins = (admins: readonly string[]) =>
  synthWith((app) => {
    const stack = new TerraformStack(app, "demo-eks");
    new AwsProvider(stack, "aws", { region: "us-west-2" });
    new EksCluster(stack, "eks", {
      clusterName: "c1",
      kubernetesVersion: "1.35",
      subnetIds: ["subnet-a", "subnet-b"],
      publicAccessCidrs: ["203.0.113.0/24"],
      adminPrincipalArns: admins,
    });
  }).stacks;

/**
 * The addresses the previous id scheme gave these principals, as synthesized by it (before ids were
 * made injective). `role/team/x` and `role/team-x` together crashed that synth, so they are absent.
 */
const PREVIOUS_ADDRESSES = [
  "demo-eks/aws_eks_access_entry.eks_admin-111122223333-role-platform-admins_7D8E68FD",
  "demo-eks/aws_eks_access_entry.eks_admin-111122223333-role-team-platform-admins_3018CB4D",
  "demo-eks/aws_eks_access_entry.eks_admin-111122223333-user-alice-example-com_73A0610F",
  "demo-eks/aws_eks_access_policy_association.eks_admin-111122223333-role-platform-admins-policy_9A1F2B59",
  "demo-eks/aws_eks_access_policy_association.eks_admin-111122223333-role-team-platform-admins-policy_2B40A9AA",
  "demo-eks/aws_eks_access_policy_association.eks_admin-111122223333-user-alice-example-com-policy_A00BAF05",
];

describe("cluster-admin access entries", () => {
  const stacks = synthAdmins(ADMINS);
  const entries = Object.values(resourcesOf(stacks["demo-eks"], "aws_eks_access_entry"));

  it("give every principal its own entry, even ARNs the old ids could not tell apart", () => {
    const fromConfig = entries.filter((entry) => !String(entry.principal_arn).includes("aws_iam_session_context"));
    expect(fromConfig.map((entry) => entry.principal_arn).sort()).toEqual([...ADMINS].sort());
  });

  it("move the state of entries whose id changed, and keep the others where they are", () => {
    const review = reviewAddresses(PREVIOUS_ADDRESSES, stacks);
    expect(review.removed).toEqual([]);
    expect(review.badMoves).toEqual([]);
    expect(review.moved.map((move) => move.from).sort()).toEqual([
      "aws_eks_access_entry.eks_admin-111122223333-role-team-platform-admins_3018CB4D",
      "aws_eks_access_entry.eks_admin-111122223333-user-alice-example-com_73A0610F",
      "aws_eks_access_policy_association.eks_admin-111122223333-role-team-platform-admins-policy_2B40A9AA",
      "aws_eks_access_policy_association.eks_admin-111122223333-user-alice-example-com-policy_A00BAF05",
    ]);
  });

  it("moves nothing when only plain role names are listed", () => {
    expect(synthAdmins([ARN("role/platform-admins")])["demo-eks"].moved).toBeUndefined();
  });
});

describe("admins in the config", () => {
  const configWith = (admins: string[]) => ({
    meshId: "mesh1",
    apiAllowedCidrs: ["203.0.113.0/24"],
    clusters: [{ name: "cluster1", region: "us-west-2", vpcCidr: "10.10.0.0/16" }],
    admins,
  });
  function problemsOf(admins: string[]): string[] {
    try {
      validateMeshConfig(configWith(admins), "test");
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.map(formatProblem);
      throw error;
    }
    return [];
  }

  it("accept ARNs that differ only where the old ids collided", () => {
    expect(problemsOf([ARN("role/team/x"), ARN("role/team-x")])).toEqual([]);
  });

  it("reject a principal listed twice, naming both entries and the fix", () => {
    expect(problemsOf([ARN("role/a"), ARN("role/platform-admins"), ARN("role/platform-admins")])).toEqual([
      `admins[2] "${ARN("role/platform-admins")}" is already listed as admins[1]: list each principal once (EKS accepts one access entry per principal)`,
    ]);
    expect(problemsOf([ARN("role/Admins"), ARN("role/admins")])).toEqual([
      expect.stringMatching(
        /^admins\[1\] .* names the same IAM principal as .*role\/Admins.* already listed as admins\[0\]/,
      ),
    ]);
  });
});

describe("the deployer's own access", () => {
  const stack = synthAdmins([ARN("role/platform-admins")])["demo-eks"];
  const [cluster] = Object.values(resourcesOf(stack, "aws_eks_cluster"));
  const [deployer] = Object.values(resourcesOf(stack, "aws_eks_access_entry")).filter((entry) =>
    String(entry.principal_arn).includes("aws_iam_session_context"),
  );

  it("replaces EKS's bootstrap entry for new clusters, without replacing existing ones", () => {
    expect(cluster.access_config.bootstrap_cluster_creator_admin_permissions).toBe(false);
    expect(cluster.lifecycle.ignore_changes).toEqual(["access_config[0].bootstrap_cluster_creator_admin_permissions"]);
  });

  it("is the caller's role as Terraform sees it at plan time (an assumed-role session maps to its role)", () => {
    const [session] = Object.values(resourcesOf({ resource: stack.data }, "aws_iam_session_context"));
    expect(session.arn).toMatch(/^\$\{data\.aws_caller_identity\.[\w-]+\.arn\}$/);
    expect(deployer.principal_arn).toMatch(/^\$\{data\.aws_iam_session_context\.[\w-]+\.issuer_arn\}$/);
  });

  (hasTerraform || process.env.CI ? it : it.skip)(
    "exists only on a cluster without the bootstrap entry, for a deployer not already in admins",
    () => {
      const countWith = (bootstrapped: boolean, caller: string) =>
        terraformEval(
          deployer.count
            .slice(2, -1)
            .replace(
              /aws_eks_cluster\.[\w-]+\.access_config\[0\]\.bootstrap_cluster_creator_admin_permissions/,
              String(bootstrapped),
            )
            .replace(/data\.aws_iam_session_context\.[\w-]+\.issuer_arn/, JSON.stringify(caller)),
        );
      expect(countWith(false, ARN("role/ci-deployer"))).toBe("1");
      // Listed in admins: that entry serves, and a second one would be rejected by EKS.
      expect(countWith(false, ARN("role/platform-admins"))).toBe("0");
      // A cluster created with the bootstrap entry keeps it, and gets no second one.
      expect(countWith(true, ARN("role/ci-deployer"))).toBe("0");
    },
  );
});
