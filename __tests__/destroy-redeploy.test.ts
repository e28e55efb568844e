import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { controlPlaneLogGroupName, EksCluster } from "../constructs/cluster/eks-cluster";
import { dataOf, resourcesOf, StackJson, synthExample } from "./helpers/synth";
import { hasAwsProviderMirror, initFromMirror, MIRRORED_AWS_VERSION, terraformIn } from "./helpers/terraform";

/**
 * `cdktf destroy '*'` then `cdktf deploy '*'` with the same names. EKS keeps writing control-plane
 * logs while a cluster is being deleted and creates its log group again after Terraform deleted
 * it; the next create of the group would fail with ResourceAlreadyExistsException. Each EKS stack
 * therefore adopts a group of that name when one exists (an import block) and creates it
 * otherwise. The import logic runs here in Terraform itself, against a mocked AWS provider.
 */
const runTerraform = hasAwsProviderMirror || process.env.CI === "true";

const stacks = synthExample("three-regions.yaml");
const eksStacks = Object.entries(stacks).filter(([name]) => name.endsWith("-eks"));
const only = (blocks: Record<string, StackJson>): [string, StackJson] => {
  const entries = Object.entries(blocks);
  expect(entries).toHaveLength(1);
  return entries[0];
};

describe("the control-plane log group across a destroy and a redeploy", () => {
  it("is adopted when it exists and created otherwise, in every EKS stack", () => {
    expect(eksStacks.length).toBeGreaterThan(1);
    for (const [, stack] of eksStacks) {
      const [clusterId, cluster] = only(resourcesOf(stack, "aws_eks_cluster"));
      const [groupId, group] = only(resourcesOf(stack, "aws_cloudwatch_log_group"));
      const [lookupId, lookup] = only(dataOf(stack, "aws_cloudwatch_log_groups"));
      expect(group.name).toBe(controlPlaneLogGroupName(cluster.name));
      expect(lookup.log_group_name_prefix).toBe(group.name);
      expect(stack.import).toEqual([
        {
          for_each: `\${contains(tolist(data.aws_cloudwatch_log_groups.${lookupId}.log_group_names), "${group.name}") ? ["${group.name}"] : []}`,
          to: `aws_cloudwatch_log_group.${groupId}`,
          id: "${each.value}",
        },
      ]);
      // Created (or adopted) before the cluster, deleted after it.
      expect(cluster.depends_on).toContain(`aws_cloudwatch_log_group.${groupId}`);
      expect(clusterId).toBeDefined();
    }
  });

  (runTerraform ? it : it.skip)(
    "imports a group left behind, creates a missing one, leaves one in state alone, and refuses a skipped minor or a downgrade at plan time (terraform test)",
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), "tf-redeploy-"));
      try {
        const module = JSON.parse(
          Testing.synthScope((scope) => {
            new EksCluster(scope, "eks", {
              clusterName: "c1",
              kubernetesVersion: "1.35",
              subnetIds: ["subnet-1", "subnet-2"],
              publicAccessCidrs: ["203.0.113.0/24"],
            });
          }),
        );
        const [groupId] = only(resourcesOf(module, "aws_cloudwatch_log_group"));
        const [lookupId] = only(dataOf(module, "aws_cloudwatch_log_groups"));
        const group = `aws_cloudwatch_log_group.${groupId}`;
        const [clusterId] = only(resourcesOf(module, "aws_eks_cluster"));
        const [listId] = only(dataOf(module, "aws_eks_clusters"));
        const [runningId] = only(dataOf(module, "aws_eks_cluster"));
        const running = (version: string) =>
          [
            `override_data {\n    target = data.aws_eks_clusters.${listId}\n    values = { names = ["c1"] }\n  }`,
            `override_data {\n    target = data.aws_eks_cluster.${runningId}\n    values = { version = "${version}" }\n  }`,
          ].join("\n  ");
        const refused = `expect_failures = [aws_eks_cluster.${clusterId}]`;
        const lookup = `data.aws_cloudwatch_log_groups.${lookupId}`;
        writeFileSync(
          path.join(dir, "main.tf.json"),
          JSON.stringify({
            ...module,
            terraform: { required_providers: { aws: { source: "hashicorp/aws", version: MIRRORED_AWS_VERSION } } },
            provider: { aws: { region: "us-west-2" } },
          }),
        );
        const name = controlPlaneLogGroupName("c1");
        const existing = (names: string[]) =>
          `override_data {\n    target = ${lookup}\n    values = { log_group_names = ${JSON.stringify(names)} }\n  }`;
        const importedArn = `arn:aws:logs:us-west-2:111122223333:log-group:${name}`;
        mkdirSync(path.join(dir, "tests"));
        writeFileSync(
          path.join(dir, "tests", "redeploy.tftest.hcl"),
          [
            // The provider still checks ARNs the resources hand each other.
            'mock_provider "aws" {',
            '  mock_resource "aws_iam_role" {\n    defaults = { arn = "arn:aws:iam::111122223333:role/c1-eks-cluster" }\n  }',
            '  mock_resource "aws_kms_key" {\n    defaults = { arn = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" }\n  }',
            // The deployer's access entry reads the caller's role (DeployerAccess).
            '  mock_data "aws_caller_identity" {\n    defaults = { arn = "arn:aws:sts::111122223333:assumed-role/ci/session" }\n  }',
            '  mock_data "aws_iam_session_context" {\n    defaults = { issuer_arn = "arn:aws:iam::111122223333:role/ci" }\n  }',
            "}",
            // After a destroy, with the group EKS created again: imported (a mocked import needs
            // the object's values; a created group's ARN would be unknown at plan time).
            `run "redeploy_adopts_the_group_left_behind" {\n  command = plan\n  ${existing([name])}\n  override_resource {\n    target = ${group}\n    values = { arn = "${importedArn}", name = "${name}" }\n  }\n  assert {\n    condition     = ${group}.arn == "${importedArn}"\n    error_message = "the existing log group was not imported"\n  }\n}`,
            `run "first_deploy_creates_it" {\n  command = apply\n  ${existing([])}\n  assert {\n    condition     = ${group}.retention_in_days == 90\n    error_message = "the log group was not created with its retention"\n  }\n}`,
            // Already in state (every deploy after the first, and every existing user): no import,
            // which the mocked provider would refuse without values for it.
            `run "later_deploys_leave_it_alone" {\n  command = plan\n  ${existing([name])}\n}`,
            // The configured version is 1.35: the running cluster may be at 1.35 or 1.34, no other.
            `run "upgrade_by_one_minor_is_planned" {\n  command = plan\n  ${existing([name])}\n  ${running("1.34")}\n}`,
            `run "skipped_minor_is_refused" {\n  command = plan\n  ${existing([name])}\n  ${running("1.33")}\n  ${refused}\n}`,
            `run "downgrade_is_refused" {\n  command = plan\n  ${existing([name])}\n  ${running("1.36")}\n  ${refused}\n}`,
          ].join("\n\n"),
        );
        initFromMirror(dir);
        const { stdout, stderr } = terraformIn(dir, ["test", "-no-color"]);
        expect(`${stdout}\n${stderr}`).toContain("Success! 6 passed, 0 failed.");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
