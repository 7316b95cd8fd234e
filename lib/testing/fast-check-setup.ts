/**
 * Test setup: every property test draws the same inputs on every run, so a failure found once
 * is found again on every machine (CI must never flake). FC_SEED=<number> explores other
 * inputs locally; a failure prints its seed and path to replay it.
 */
import fc from "fast-check";

const seed = Number(process.env.FC_SEED ?? 20261129);
fc.configureGlobal({ seed: Number.isSafeInteger(seed) ? seed : 20261129 });
