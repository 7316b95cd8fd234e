/** Minimal XML writing and reading: enough for the query and REST-XML protocols. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_m, entity: string) => {
    if (entity === "amp") return "&";
    if (entity === "lt") return "<";
    if (entity === "gt") return ">";
    if (entity === "quot") return '"';
    if (entity === "apos") return "'";
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    return String.fromCodePoint(parseInt(entity.slice(1), 10));
  });
}

/** Parses a document into elements (namespaces kept as written, attributes ignored). */
export function parseXml(source: string): XmlElement | undefined {
  const text = source.replace(/<\?[\s\S]*?\?>/g, "").replace(/<!--[\s\S]*?-->/g, "");
  const root: XmlElement = { name: "#root", children: [], text: "" };
  const stack: XmlElement[] = [root];
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)([^>]*?)(\/?)>|([^<]+)|<!\[CDATA\[([\s\S]*?)\]\]>/g;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(text)) !== null) {
    const top = stack[stack.length - 1];
    if (!top) return undefined;
    if (m[5] !== undefined) {
      top.text += decodeEntities(m[5]);
    } else if (m[6] !== undefined) {
      top.text += m[6];
    } else if (m[1] === "/") {
      stack.pop();
    } else {
      const localName = (m[2] ?? "").replace(/^[\w-]+:/, "");
      const el: XmlElement = { name: localName, children: [], text: "" };
      top.children.push(el);
      if (m[4] !== "/") stack.push(el);
    }
  }
  return root.children[0];
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function childText(el: XmlElement | undefined, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined ? undefined : c.text.trim();
}
