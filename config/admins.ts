import type { ConfigProblem } from "./problems";

/**
 * A principal listed twice in `admins` would get two access entries, and EKS rejects the second.
 * IAM role and user names are unique regardless of case, so `role/Admins` and `role/admins` are
 * one principal.
 */
export function duplicateAdminProblems(admins: readonly (string | undefined)[]): ConfigProblem[] {
  const firstIndex = new Map<string, number>();
  return admins.flatMap((arn, index) => {
    if (arn === undefined) return [];
    const key = arn.toLowerCase();
    const first = firstIndex.get(key);
    if (first === undefined) {
      firstIndex.set(key, index);
      return [];
    }
    const same =
      admins[first] === arn
        ? "is"
        : `names the same IAM principal as ${JSON.stringify(admins[first])} (IAM names ignore case), which is`;
    return [
      {
        path: `admins[${index}]`,
        value: arn,
        message: `${same} already listed as admins[${first}]: list each principal once (EKS accepts one access entry per principal)`,
      },
    ];
  });
}
