import { describe, expect, test } from "vitest";
import { controlCharacterMessage, controlCharacterProblems } from "./input-rules";

describe("controlCharacterProblems", () => {
  test("NUL and the other C0 controls (and DEL) are refused, naming the field", () => {
    for (const code of [...Array.from({ length: 9 }, (_, i) => i), 0x0b, 0x0c, ...Array.from({ length: 18 }, (_, i) => 0x0e + i), 0x7f]) {
      expect(controlCharacterProblems({ note: `abc${String.fromCharCode(code)}def` }), `U+${code.toString(16)}`).toEqual([
        { field: "note", message: 'The field "note" contains a control character (such as NUL) that is not allowed. Remove it and try again.' },
      ]);
    }
  });

  test("tab, line feed and carriage return are allowed, and so is any other text", () => {
    expect(controlCharacterProblems({ note: "line one\r\nline two\tindented", name: "Zürich 東京 🚀", empty: "" })).toEqual([]);
  });

  test("nested values, arrays and a bare string", () => {
    expect(controlCharacterProblems({ keys: ["ok", "bad\u0000"] }).map((problem) => problem.field)).toEqual(["keys.1"]);
    expect(controlCharacterProblems("\u0000")).toEqual([{ field: "", message: controlCharacterMessage("") }]);
    expect(controlCharacterMessage("")).toBe("The input contains a control character (such as NUL) that is not allowed. Remove it and try again.");
  });

  test("a key holding a control character is refused and shown without it", () => {
    expect(controlCharacterProblems({ "a\u0000b": "x" }).map((problem) => problem.field)).toEqual(["a?b"]);
  });

  test("FormData entries are checked too", () => {
    const form = new FormData();
    form.set("name", "a\u0001");
    expect(controlCharacterProblems(form).map((problem) => problem.field)).toEqual(["name"]);
  });

  test("deep nesting is refused instead of walked; cycles end", () => {
    let deep: unknown = "x";
    for (let level = 0; level < 20; level++) deep = { deep };
    expect(controlCharacterProblems(deep)[0]?.message).toMatch(/is nested too deeply/);
    const cyclic: Record<string, unknown> = { a: "ok" };
    cyclic.self = cyclic;
    expect(controlCharacterProblems(cyclic)).toEqual([]);
  });

  test("numbers, booleans, null and undefined have nothing to refuse", () => {
    expect(controlCharacterProblems({ a: 1, b: true, c: null, d: undefined })).toEqual([]);
  });
});
