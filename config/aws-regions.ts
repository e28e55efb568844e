/**
 * Regions of the commercial `aws` partition. The LB controller's IAM policy and the managed
 * policy ARNs used here are those of this partition; China and GovCloud need their own.
 */
export const AWS_COMMERCIAL_REGIONS: ReadonlySet<string> = new Set([
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
]);

const OTHER_PARTITION_PREFIXES = ["cn-", "us-gov-", "us-iso", "eu-isoe-", "eusc-"];

/** Why a region name is not accepted, or undefined when it is. */
export function regionProblem(region: string): string | undefined {
  if (AWS_COMMERCIAL_REGIONS.has(region)) return undefined;
  if (OTHER_PARTITION_PREFIXES.some((prefix) => region.startsWith(prefix))) {
    return `is in another AWS partition (China, GovCloud, ISO or EUSC), which this program does not support yet: use a commercial region such as "us-west-2"`;
  }
  return `is not an AWS region name: use one like "us-west-2" or "eu-west-1"`;
}
