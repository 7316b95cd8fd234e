import { describe, expect, test } from "vitest";
import { actionBodyProblem } from "./action-body";

function textAction(body: string): Request {
  return new Request("http://portal.test/sign-in", { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8", "next-action": "x" }, body });
}

function multipartAction(fields: Record<string, string>): Request {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  return new Request("http://portal.test/sign-in", { method: "POST", headers: { "next-action": "x" }, body: form });
}

describe("actionBodyProblem accepts what the portal's clients send", () => {
  test.each([
    ['[{"environmentId":"3f1e6a0c-2b7d-4c1e-9a4b-0f6c2d9e8a71"}]'],
    ['[null,"$K1"]'],
    ['["$$starts with a dollar", "$undefined", "$NaN", "$-0", "$D2026-11-29T12:00:00.000Z", "$n42"]'],
    ["[]"],
  ])("text %s", async (body) => {
    expect(await actionBodyProblem(textAction(body))).toBeNull();
  });

  test("a form: the arguments, an outlined part and the FormData's entries", async () => {
    expect(await actionBodyProblem(multipartAction({ "0": '[{"ok":false},"$K1","$@2"]', "1_email": "a@b.example", "1_password": "{{{", "2": '"x"' }))).toBeNull();
  });
});

describe("actionBodyProblem refuses what would make Next fail", () => {
  test.each([
    ["{{{", "the body is not JSON"],
    ["[", "the body is not JSON"],
    ["", "the body is not JSON"],
    ['"\\u0000"', "the arguments are not a list"],
    ['"$$x"', "the arguments are not a list"],
    ["{}", "the arguments are not a list"],
    ['["$@99"]', "unsupported reference $@99"],
    ['["$1"]', "unsupported reference $1"],
    ['"$Q0"', "the arguments are not a list"],
    ['["$Q0"]', "unsupported reference $Q0"],
    ['["$W1"]', "unsupported reference $W1"],
    ['["$h1"]', "unsupported reference $h1"],
    ['["$F1"]', "unsupported reference $F1"],
    ['["$T"]', "unsupported reference $T"],
    ['["$n"]', "unsupported reference $n"],
    ['["$B1"]', "unsupported reference $B1"],
    ['[{"a":{"b":["$R0"]}}]', "unsupported reference $R0"],
  ])("text %j: %s", async (body, problem) => {
    expect(await actionBodyProblem(textAction(body))).toBe(problem);
  });

  test("forms without arguments, with a non-JSON part, or a reference to a part they lack", async () => {
    expect(await actionBodyProblem(multipartAction({ "1_email": "x" }))).toBe("the arguments are missing");
    expect(await actionBodyProblem(multipartAction({ "0": "{{{" }))).toBe("part 0 is not JSON");
    expect(await actionBodyProblem(multipartAction({ "0": '["$@3"]', "2": "1" }))).toBe("unsupported reference $@3");
    expect(await actionBodyProblem(multipartAction({ "0": '"x"' }))).toBe("the arguments are not a list");
  });

  test("a multipart body that does not parse", async () => {
    const request = new Request("http://portal.test/sign-in", { method: "POST", headers: { "content-type": "multipart/form-data; boundary=zzz", "next-action": "x" }, body: "--nope\r\n" });
    expect(await actionBodyProblem(request)).toBe("the multipart body does not parse");
  });

  test("nesting beyond any form's", async () => {
    let deep: unknown = "x";
    for (let level = 0; level < 100; level++) deep = [deep];
    expect(await actionBodyProblem(textAction(JSON.stringify([deep])))).toBe("nested too deeply");
  });
});
