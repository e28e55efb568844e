/**
 * The options a script without a parser of its own takes: anything else stops it with exit 2
 * before it does anything, so a typo such as `--no-test` does not run a minute-long job.
 */
export function checkScriptArguments(script: string, argv: readonly string[], known: readonly string[]): void {
  const unknown = argv.filter((arg) => !known.includes(arg));
  if (!unknown.length) return;
  const takes = known.length ? `it takes ${known.join(", ")}` : "it takes no options";
  console.error(`npm run ${script}: unknown option ${JSON.stringify(unknown[0])}: ${takes}`);
  process.exit(2);
}
