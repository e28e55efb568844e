/** IAM quotas on role and user names and on paths (IAM and STS quotas). */
export const MAX_IAM_NAME_LENGTH = 64;
export const MAX_IAM_PATH_LENGTH = 512;

/**
 * Why an ARN that has the form of an IAM role or user ARN still names none, or undefined: a name
 * or path over IAM's limits, or an empty path segment, which IAM never creates.
 */
export function iamPrincipalArnProblem(arn: string): string | undefined {
  const match = /^arn:aws:iam::\d{12}:(role|user)(\/.*)$/.exec(arn);
  if (!match) return undefined;
  const [, kind, resource] = match;
  const slash = resource.lastIndexOf("/");
  const [path, name] = [resource.slice(0, slash + 1), resource.slice(slash + 1)];
  if (!name)
    return `ends with "/": an IAM ${kind} ARN ends with the ${kind} name, like "arn:aws:iam::111122223333:${kind}/platform-admins"`;
  if (path.includes("//"))
    return `has an empty path segment ("//"): write the path as "${path.replace(/\/{2,}/g, "/")}"`;
  if (name.length > MAX_IAM_NAME_LENGTH) {
    return `names a ${kind} of ${name.length} characters, but IAM ${kind} names have at most ${MAX_IAM_NAME_LENGTH}: check the ARN`;
  }
  if (path.length > MAX_IAM_PATH_LENGTH) {
    return `has a path of ${path.length} characters, but IAM paths have at most ${MAX_IAM_PATH_LENGTH}: check the ARN`;
  }
  return undefined;
}
