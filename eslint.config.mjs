// @ts-check
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** Node's CommonJS globals, for the few plain .js config files (the `globals` package is not installed). */
const commonJsGlobals = { module: "writable", require: "readonly", __dirname: "readonly", process: "readonly" };

export default defineConfig(
  {
    // Generated or third-party: terraform JSON, build output, Helm templates (Go templates, not JS/TS).
    ignores: ["node_modules/", "cdktf.out/", "dist/", "coverage/", ".gen/", "manifests/**/templates/"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // `_name` marks a parameter a callback signature requires but the body does not use.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: commonJsGlobals },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
