/** The "Key-use log forwarding" section as the environment page renders it (components/log-forwarding-status.tsx). */
import { createElement, isValidElement, type ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { LogForwardingStatus } from "@/components/log-forwarding-status";
import type { LogForwardingStatus as Status } from "./status";

const base: Status = {
  environmentId: "3f0a4b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
  logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:/byok/key-use",
  logRoleArn: "arn:aws:iam::123456789012:role/byok-key-use-log",
  lastDeliveredAt: "2026-11-29T16:05:09.123Z",
  lastDeliveredCount: 12,
  pendingCount: 3,
  lastError: null,
  lastErrorAt: null,
  failures: 0,
  nextAttemptAt: null,
};

/**
 * A minimal static render of a tree of host elements and function components (tests run under
 * the react-server condition, where react-dom/server is not available): tags with their role,
 * and text.
 */
function render(node: ReactNode): string {
  if (node === null || node === undefined || typeof node === "boolean") return "";
  if (typeof node === "string" || typeof node === "number") return String(node);
  if (Array.isArray(node)) return node.map((child: ReactNode) => render(child)).join("");
  if (!isValidElement(node)) throw new Error("unexpected node");
  const props = node.props as { children?: ReactNode; role?: string };
  if (typeof node.type === "function") return render((node.type as (p: unknown) => ReactNode)(props));
  if (typeof node.type === "string") return `<${node.type}${props.role ? ` role="${props.role}"` : ""}>${render(props.children)}</${node.type}>`;
  return render(props.children);
}

const html = (status: Status) => render(createElement(LogForwardingStatus, { status }));
/** The rendered text, tags removed. */
const text = (status: Status) => html(status).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("the key-use log forwarding section", () => {
  it("shows the group, the role, the last delivery and what waits", () => {
    const shown = text(base);
    expect(shown).toContain("Key-use log forwarding");
    expect(shown).toContain(base.logGroupArn);
    expect(shown).toContain(base.logRoleArn);
    expect(shown).toContain("Last delivery: 2026-11-29 16:05:09 UTC, 12 events");
    expect(shown).toContain("Waiting to be sent: 3 events");
    expect(html(base)).not.toContain('role="alert"');
  });

  it("says when it is not set up", () => {
    const shown = text({ ...base, logGroupArn: null, logRoleArn: null, lastDeliveredAt: null, pendingCount: 0 });
    expect(shown).toContain("Not set up");
    expect(shown).not.toContain("Last delivery");
    expect(text({ ...base, lastDeliveredAt: null, lastDeliveredCount: 0 })).toContain("Last delivery: none yet");
  });

  it("shows the last error as an alert, with the failures and the next attempt", () => {
    const failing: Status = {
      ...base,
      lastError: "The log group arn:aws:logs:eu-west-1:123456789012:log-group:/byok/key-use does not exist.",
      lastErrorAt: "2026-11-29T16:06:00.000Z",
      failures: 2,
      nextAttemptAt: "2026-11-29T16:06:10.000Z",
    };
    expect(html(failing)).toMatch(/<div role="alert"[^>]*>.*does not exist\./);
    const shown = text(failing);
    expect(shown).toContain("The last 2 attempts failed (2026-11-29 16:06:00 UTC)");
    expect(shown).toContain("tries again at 2026-11-29 16:06:10 UTC");
    expect(text({ ...failing, failures: 1 })).toContain("The last attempt failed");
  });
});
