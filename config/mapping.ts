/** Whether a parsed YAML value is a mapping (an object that is not a list). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
