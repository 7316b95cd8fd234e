import { isValidElement, type ReactNode } from "react";
import { describe, expect, test } from "vitest";
import { KEY_HEALTH_LABELS, KEY_HEALTH_STATES, ROTATION_OFF_LABEL } from "@/lib/key-health/states";
import { KeyHealthBadge } from "./key-health-badge";

/** The words a badge shows, one per element that holds text (tests run as react-server: no DOM renderer). */
function words(node: ReactNode): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(words);
  if (isValidElement<{ children?: ReactNode }>(node)) return words(node.props.children);
  return [];
}

describe("KeyHealthBadge", () => {
  test.each(KEY_HEALTH_STATES)("says %s in words", (state) => {
    expect(words(KeyHealthBadge({ state }))).toEqual([KEY_HEALTH_LABELS[state]]);
  });

  test("adds Rotation off as its own badge beside the state", () => {
    expect(words(KeyHealthBadge({ state: "HEALTHY", rotationOff: true }))).toEqual(["Healthy", ROTATION_OFF_LABEL]);
  });
});
