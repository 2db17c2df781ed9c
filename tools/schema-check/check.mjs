// Compares ../../schema.graphql with the previous commit's version using
// graphql-inspector, prints every change, and exits 1 on a breaking one
// unless the latest commit message contains "BREAKING-SCHEMA:" (say why
// after it), which marks the break as intended.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { diff, CriticalityLevel } from "@graphql-inspector/core";

const root = new URL("../../", import.meta.url).pathname;
const git = (...args) => execFileSync("git", ["-C", root, ...args], { encoding: "utf8" });
const base = process.argv[2] ?? "HEAD~1";

let previous;
try {
  previous = git("show", `${base}:schema.graphql`);
} catch {
  console.log(`schema check: no schema.graphql at ${base}; nothing to compare`);
  process.exit(0);
}
const current = readFileSync(`${root}/schema.graphql`, "utf8");
const changes = await diff(buildSchema(previous), buildSchema(current));
for (const c of changes) {
  console.log(`${c.criticality.level.padEnd(12)} ${c.message}`);
}
const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
const intended = git("log", "-1", "--format=%B").includes("BREAKING-SCHEMA:");
console.log(`schema check against ${base}: ${changes.length} changes, ${breaking.length} breaking`);
if (breaking.length > 0 && !intended) {
  console.error("breaking schema changes: mark them as intended with 'BREAKING-SCHEMA: <why>' in the commit message");
  process.exit(1);
}
