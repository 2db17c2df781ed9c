import type { CodegenConfig } from "@graphql-codegen/cli";

// Types for the same operations the Rust typed-client test runs.
const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["../../tests/operations/*.graphql"],
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        strictScalars: true,
        scalars: { DateTime: "string", JSON: "unknown" },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
      },
    },
  },
};

export default config;
