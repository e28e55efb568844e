/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", require("./scripts/swc-options")] },
  testTimeout: 60000,
  // The user's exported MESH_CONFIG, cdktf and Terraform settings never reach the tests.
  setupFiles: ["<rootDir>/__tests__/helpers/isolated-env.ts"],
  // Synth- and subprocess-heavy files: use every core (jest leaves one idle by default).
  maxWorkers: "100%",
  testSequencer: "<rootDir>/scripts/test-sequencer.js",
};
