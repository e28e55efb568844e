// Lets `node --require ./scripts/register-ts.js main.ts` run the TypeScript sources directly.
// Only .ts files go through swc; node_modules load untouched. This halves cdktf synth's app time
// compared with a general-purpose loader that hooks every module load.
const { readFileSync } = require("node:fs");
const { transformSync } = require("@swc/core");
const swcOptions = require("./swc-options");

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, "utf8"), { ...swcOptions, filename });
  module._compile(code, filename);
};
