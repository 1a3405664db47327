// A tiny sequential test harness for the end-to-end scenarios (no test framework needed).
// A scenario is a list of steps sharing state: once a step fails, the rest are skipped.

/** @typedef {{ name: string, fn: () => Promise<void> }} Step */

/** @type {{ file: string, steps: Step[] }[]} */
export const suites = [];
let current = null;

export function scenario(file) {
  current = { file, steps: [] };
  suites.push(current);
}

export function step(name, fn) {
  if (!current) throw new Error("call scenario() before step()");
  current.steps.push({ name, fn });
}

export class AssertionError extends Error {}

export function assert(cond, message) {
  if (!cond) throw new AssertionError(message);
}
