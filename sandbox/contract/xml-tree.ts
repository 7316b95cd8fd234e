/**
 * A strict reader of the XML the sandbox answers with: elements, their text, nothing more.
 * Independent of the sandbox's own lenient reader, so a malformed answer fails here.
 */
export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    const named = ENTITIES[entity];
    if (named === undefined) throw new Error(`unknown XML entity ${whole}`);
    return named;
  });
}

/** Parses one document; throws on mismatched tags, stray text outside the root or a second root. */
export function parseXmlStrict(source: string): XmlNode {
  const body = source.replace(/^\uFEFF?\s*<\?xml[^?]*\?>/, "");
  const token = /<\/([A-Za-z_][\w.:-]*)\s*>|<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!\[CDATA\[([\s\S]*?)\]\]>|([^<]+)|(<)/g;
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let m: RegExpExecArray | null;
  while ((m = token.exec(body)) !== null) {
    const top = stack[stack.length - 1];
    if (m[7] !== undefined) throw new Error(`malformed XML near offset ${m.index}`);
    if (m[6] !== undefined || m[5] !== undefined) {
      const text = m[5] ?? decode(m[6] ?? "");
      if (top) top.text += text;
      else if (text.trim() !== "") throw new Error("text outside the root element");
      continue;
    }
    if (m[1] !== undefined) {
      const closed = stack.pop();
      if (!closed || closed.name !== m[1].replace(/^[\w-]+:/, "")) throw new Error(`mismatched </${m[1]}>`);
      continue;
    }
    const node: XmlNode = { name: (m[2] ?? "").replace(/^[\w-]+:/, ""), children: [], text: "" };
    if (top) top.children.push(node);
    else if (root) throw new Error("a second root element");
    else root = node;
    if (m[4] !== "/") stack.push(node);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  if (!root) throw new Error("no root element");
  return root;
}
