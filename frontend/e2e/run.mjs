#!/usr/bin/env node
// End-to-end runner: loads e2e/*.spec.mjs (or the files given), runs their steps in order
// against BASE_URL, prints one line per step and a closing "N passed, N failed" line,
// and exits non-zero when anything failed.
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { suites } from "./harness.mjs";
import { BASE_URL } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
process.chdir(resolve(here, ".."));
mkdirSync("e2e/artifacts", { recursive: true });

const files = process.argv.slice(2).length
  ? process.argv.slice(2).map((f) => resolve(f))
  : readdirSync(here)
      .filter((f) => f.endsWith(".spec.mjs"))
      .sort()
      .map((f) => join(here, f));

let passed = 0;
let failed = 0;
let skipped = 0;

async function reachable() {
  try {
    const res = await fetch(`${BASE_URL}/`, { signal: AbortSignal.timeout(5000) });
    return res.status < 500;
  } catch {
    return false;
  }
}

console.log(`e2e against ${BASE_URL}`);
if (!(await reachable())) {
  console.log(`FAIL  ${BASE_URL} is not reachable (is the backend running and serving frontend/dist?)`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

for (const file of files) await import(pathToFileURL(file).href);

for (const suite of suites) {
  console.log(`\n${suite.file}`);
  let broken = false;
  for (const s of suite.steps) {
    const isTeardown = /^tear ?down/i.test(s.name);
    if (broken && !isTeardown) {
      skipped++;
      console.log(`  SKIP  ${s.name}`);
      continue;
    }
    const started = Date.now();
    try {
      await s.fn();
      passed++;
      console.log(`  PASS  ${s.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      broken = true;
      console.log(`  FAIL  ${s.name} (${Date.now() - started} ms)`);
      console.log(`        ${String(e?.stack || e).split("\n").slice(0, 6).join("\n        ")}`);
    }
  }
}

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
