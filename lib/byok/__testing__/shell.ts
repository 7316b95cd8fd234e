/**
 * Test support: splits a command line into the words a POSIX shell would pass to the program,
 * and refuses anything that would make the shell do more than run one simple command
 * (expansions, substitutions, redirections, separators, globs).
 */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let current: string | undefined;
  let index = 0;
  const append = (text: string) => {
    current = (current ?? "") + text;
  };
  while (index < command.length) {
    const char = command.charAt(index);
    if (char === "\\") {
      const next = command.charAt(index + 1);
      if (next === "\n") {
        index += 2; // a line continuation disappears entirely
        continue;
      }
      if (next === "") throw new Error("Trailing backslash");
      append(next);
      index += 2;
      continue;
    }
    if (char === "'") {
      const end = command.indexOf("'", index + 1);
      if (end === -1) throw new Error("Unterminated single quote");
      append(command.slice(index + 1, end));
      index = end + 1;
      continue;
    }
    if (char === '"') {
      let text = "";
      index += 1;
      for (;;) {
        const inner = command.charAt(index);
        if (inner === "") throw new Error("Unterminated double quote");
        if (inner === '"') break;
        if (inner === "$" || inner === "`") throw new Error(`Expansion ${inner} inside double quotes`);
        if (inner === "\\") {
          const next = command.charAt(index + 1);
          if ("$`\"\\".includes(next) && next !== "") {
            text += next;
            index += 2;
            continue;
          }
          if (next === "\n") {
            index += 2;
            continue;
          }
        }
        text += inner;
        index += 1;
      }
      append(text);
      index += 1;
      continue;
    }
    if (char === " " || char === "\t") {
      if (current !== undefined) words.push(current);
      current = undefined;
      index += 1;
      continue;
    }
    if ("\n;&|<>()$`*?[]{}~#!".includes(char)) {
      throw new Error(`Unquoted shell metacharacter ${JSON.stringify(char)} at ${index}`);
    }
    append(char);
    index += 1;
  }
  if (current !== undefined) words.push(current);
  return words;
}
