import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

/**
 * The demo run (`npm run demo`): the e2e flows that tell the product's story, recorded for
 * people. Every test leaves a video, a trace (a screenshot and the DOM for each action, open it
 * with `npx playwright show-trace`) and a final screenshot, and the HTML report ties them
 * together, all under demo-output/. DEMO_HEADED=1 shows the browser; DEMO_SLOW_MO=<ms> slows
 * every action for a live audience. scripts/demo.ts prepares the portal, database and sandbox.
 */
const output = process.env.E2E_RESULTS_DIR ?? "demo-output";
const slowMo = Number(process.env.DEMO_SLOW_MO ?? 0);

/** The story, in order: each feature's flow joins as soon as it exists. */
export const DEMO_FLOWS = [
  "template route: deploy, paste the payload, provision, then add aliases with the tenant name",
  "manual route: keys made with create-key and put-key-policy from the copied statements provision",
  "a key policy made for another Region is diagnosed by the policy check",
  "a failed environment is fixed by changing its S3 key ARN",
  "another organization's RDS key",
  "temporary AWS trouble is shown as Retrying",
  "a disabled S3 key: Check now says Key disabled",
  "a test alert reaches the webhook signed",
  "role mode through the template route",
  "Deploy in the sandbox",
  "support finds a failed Acme environment by key ARN",
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export default defineConfig({
  ...base,
  grep: new RegExp(DEMO_FLOWS.map(escape).join("|")),
  outputDir: `${output}/artifacts`,
  fullyParallel: true,
  // Two at a time keeps the whole run within five minutes on a 2-core machine; each flow has
  // its own browser context, video and trace.
  workers: 2,
  retries: 0,
  reporter: [
    ["list"],
    ["html", { outputFolder: `${output}/report`, open: "never" }],
    ["json", { outputFile: `${output}/playwright.json` }],
  ],
  use: {
    ...base.use,
    video: "on",
    trace: "on",
    screenshot: "on",
    headless: process.env.DEMO_HEADED !== "1",
    launchOptions: { ...base.use?.launchOptions, slowMo },
  },
});
