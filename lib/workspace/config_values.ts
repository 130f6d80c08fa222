/**
 * Reads the values of 2nex.yaml's keys from YAML nodes (text, lists of text,
 * whole numbers, paths), each with a diagnostic at the node when it is not
 * what the key holds: the one place config.ts walks YAML nodes.
 * @module
 */
import {
  describeNode,
  type DiagnosticBag,
  isYamlScalar,
  type NodeReader,
  offsetOf,
  scalarText,
  type ValueType,
  type YamlNode,
} from "../manifest/mod.ts";
import { workspacePath } from "./config_paths.ts";

export class ConfigValues {
  constructor(
    readonly reader: NodeReader,
    readonly bag: DiagnosticBag,
    /** The workspace root, which relative paths are relative to. */
    readonly root: string,
  ) {}

  /** A scalar as text (numbers as written). */
  text(node: YamlNode | null, what: string): string | undefined {
    const resolved = this.reader.resolve(node);
    if (
      resolved && isYamlScalar(resolved) && resolved.value !== null &&
      typeof resolved.value !== "object"
    ) {
      return scalarText(resolved);
    }
    this.bag.error(offsetOf(node), `${what} must be text, got ${describeNode(resolved)}`);
    return undefined;
  }

  /** A list of texts, or one text written without the list. */
  list(node: YamlNode | null, what: string): string[] | undefined {
    const resolved = this.reader.resolve(node);
    if (resolved && isYamlScalar(resolved)) {
      const one = this.text(resolved, what);
      return one === undefined ? undefined : [one];
    }
    const seq = this.reader.seq(resolved, what);
    if (!seq) return undefined;
    const out: string[] = [];
    for (const item of seq.items) {
      const value = this.text(item as YamlNode, `an entry of ${what}`);
      if (value !== undefined) out.push(value);
    }
    return out;
  }

  /** A whole number of at least the table's minimum for the key. */
  integer(node: YamlNode | null, what: string, type: ValueType): number | undefined {
    const min = type.kind === "integer" ? type.min : 0;
    const resolved = this.reader.resolve(node);
    if (
      resolved && isYamlScalar(resolved) && typeof resolved.value === "number" &&
      Number.isSafeInteger(resolved.value) && resolved.value >= min
    ) {
      return resolved.value;
    }
    this.bag.error(
      offsetOf(node),
      `${what} must be a whole number of at least ${min}, got ${describeNode(resolved)}`,
    );
    return undefined;
  }

  /** A path as written, made absolute against the workspace. */
  abs(path: string): string {
    return workspacePath(this.root, path);
  }
}
