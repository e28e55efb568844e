/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // swc strips types only; `npm run typecheck` is the type check.
  transform: { "^.+\\.ts$": ["@swc/jest"] },
  testTimeout: 60000,
};
