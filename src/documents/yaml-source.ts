/**
 * YAML parsing (js-yaml) that remembers where every node stands, so that any problem found
 * later — by the schema, the policy or the compiler — can be reported as file:line:column.
 */
import yaml from "js-yaml";

export type PathSegment = string | number;

export interface Position {
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

interface Node {
  start: number;
  kind: string;
  result: unknown;
  children: Node[];
}

export interface YamlSource {
  file: string;
  text: string;
  value: unknown;
  /** Position of the value at path (or of its key, for `key`), or of the nearest ancestor
   * that exists. */
  locate(path: readonly PathSegment[], target?: "value" | "key"): Position;
}

export type ParseResult =
  { ok: true; source: YamlSource } | { ok: false; message: string; position: Position };

interface ListenerState {
  position: number;
  kind: string | null;
  result: unknown;
}

export function parseYaml(text: string, file: string): ParseResult {
  const stack: Node[] = [];
  const roots: Node[] = [];
  const listener = (event: "open" | "close", state: ListenerState): void => {
    if (event === "open") {
      stack.push({ start: state.position, kind: "", result: undefined, children: [] });
      return;
    }
    const node = stack.pop();
    if (!node) return;
    node.kind = state.kind ?? "";
    node.result = state.result;
    (stack[stack.length - 1]?.children ?? roots).push(node);
  };
  let value: unknown;
  try {
    value = yaml.load(text, {
      filename: file,
      schema: yaml.CORE_SCHEMA,
      json: false,
      listener: listener as unknown as yaml.LoadOptions["listener"],
    });
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const mark = e.mark as { line?: number; column?: number } | undefined;
      return {
        ok: false,
        message: e.reason,
        position: { line: (mark?.line ?? 0) + 1, column: (mark?.column ?? 0) + 1 },
      };
    }
    throw e;
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);

  const toPosition = (offset: number): Position => {
    const start = skipBlank(text, offset);
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= start) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: start - (lineStarts[lo] ?? 0) + 1 };
  };

  const root = roots[roots.length - 1];
  const locate = (path: readonly PathSegment[], target: "value" | "key" = "value"): Position => {
    if (!root) return { line: 1, column: 1 };
    let node = unwrap(root);
    let keyNode: Node | undefined;
    for (const segment of path) {
      const found = child(node, segment);
      if (!found) return toPosition(node.start);
      keyNode = found.key;
      node = unwrap(found.value);
    }
    return toPosition(target === "key" && keyNode ? keyNode.start : node.start);
  };
  return { ok: true, source: { file, text, value, locate } };
}

/** js-yaml opens some nodes twice (a wrapper around the real one); see through them. */
function unwrap(node: Node): Node {
  let n = node;
  while (n.children.length === 1 && n.children[0]?.result === n.result && n.kind !== "scalar") {
    n = n.children[0] as Node;
  }
  return n;
}

function child(node: Node, segment: PathSegment): { key?: Node; value: Node } | undefined {
  if (typeof segment === "number") {
    if (!Array.isArray(node.result)) return undefined;
    // Empty items ("-" alone) have no node: match children to items in order.
    const items = node.result as unknown[];
    let j = 0;
    for (let k = 0; k <= segment && k < items.length; k++) {
      const c = node.children[j];
      const matches = c !== undefined && c.result === items[k];
      if (k === segment) return matches ? { value: c } : undefined;
      if (matches) j++;
    }
    return undefined;
  }
  if (node.kind !== "mapping") return undefined;
  const obj = node.result as Record<string, unknown>;
  // Children alternate key, value; an empty value ("key:") has no node of its own.
  for (let i = 0; i < node.children.length;) {
    const key = node.children[i] as Node;
    const next = node.children[i + 1];
    const name = String(key.result);
    const hasValue = next !== undefined && obj[name] !== null && next.result === obj[name];
    if (name === segment) return { key, value: hasValue ? next : key };
    i += hasValue ? 2 : 1;
  }
  return undefined;
}

function skipBlank(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
    else if (c === "#") while (i < text.length && text[i] !== "\n") i++;
    else break;
  }
  return i >= text.length ? offset : i;
}
