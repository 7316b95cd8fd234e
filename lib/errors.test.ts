import { describe, expect, test } from "vitest";
import { z } from "zod";
import { AppError, ERROR_TABLE, publicError } from "./errors";

describe("publicError: what a browser may see of a thrown value", () => {
  test("an AppError: its code's status, its own message or the table's", () => {
    expect(publicError(new AppError("CONFLICT", "Someone else changed it."))).toEqual({
      code: "CONFLICT",
      status: 409,
      message: "Someone else changed it.",
      fieldErrors: {},
    });
    expect(publicError(new AppError("NOT_FOUND"))).toMatchObject({ status: 404, message: ERROR_TABLE.NOT_FOUND.message });
  });

  test("a zod failure: per-field messages, and a form-level message when one is not about a field", () => {
    const schema = z.object({ name: z.string().min(3, "Use at least 3 characters."), region: z.string({ error: "Choose a region." }) });
    const fields = schema.safeParse({ name: "x" }).error;
    expect(publicError(fields)).toEqual({
      code: "VALIDATION",
      status: 400,
      message: "Please correct the highlighted fields.",
      fieldErrors: { name: ["Use at least 3 characters."], region: ["Choose a region."] },
    });
    const whole = z.string({ error: "Send text." }).safeParse(1).error;
    expect(publicError(whole)).toMatchObject({ status: 400, message: "Send text.", fieldErrors: {} });
  });

  test("anything else: the generic 500 text, never the error's own", () => {
    const shown = publicError(new Error("connect ECONNREFUSED 10.0.0.5:5432 password=hunter2"));
    expect(shown).toEqual({ code: "INTERNAL", status: 500, message: ERROR_TABLE.INTERNAL.message, fieldErrors: {} });
    expect(publicError(new AppError("INTERNAL", undefined, { cause: new Error("secret detail") })).message).not.toContain("secret");
  });
});
