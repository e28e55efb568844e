import { closest, distance } from "fastest-levenshtein";

/** The known key an unknown one is most likely a misspelling or abbreviation of, if any. */
export function intendedKey(key: string, known: readonly string[]): string | undefined {
  if (!known.length) return undefined;
  const lower = key.toLowerCase();
  const match =
    known.find((candidate) => candidate.toLowerCase() === lower) ??
    known.find((candidate) => lower.length >= 3 && candidate.toLowerCase().startsWith(lower)) ??
    known.find((candidate) => isAbbreviationOf(lower, candidate.toLowerCase())) ??
    known.find((candidate) => sharesStem(lower, candidate.toLowerCase())) ??
    closest(key, [...known]);
  const closeEnough =
    match.toLowerCase() === lower ||
    match.toLowerCase().startsWith(lower) ||
    isAbbreviationOf(lower, match.toLowerCase()) ||
    sharesStem(lower, match.toLowerCase()) ||
    distance(key, match) <= Math.max(2, key.length / 3);
  return closeEnough ? match : undefined;
}

/**
 * Whether a key reads as a shortening of a known one: same first and last letter, and its letters
 * in order within it ("certArn" for "certificateArn").
 */
function isAbbreviationOf(short: string, long: string): boolean {
  if (short.length < 3 || short[0] !== long[0] || short[short.length - 1] !== long[long.length - 1]) return false;
  let next = 0;
  for (const letter of long) if (letter === short[next]) next += 1;
  return next >= short.length;
}

/** Whether a key is a known one with another ending: all but its last two letters, five at least ("replicas" for "replicaCount"). */
function sharesStem(key: string, known: string): boolean {
  const stem = Math.max(5, key.length - 2);
  return key.length >= stem && known.startsWith(key.slice(0, stem));
}
