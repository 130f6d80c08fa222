/**
 * Reads the values of a manifest's keys from YAML nodes: text (with `${{ }}`
 * templates expanded), lists of text, sha256s, booleans and whole numbers,
 * each with a diagnostic at the node when it is not what the key holds. The
 * section readers (validate_*.ts) share one FieldReader per manifest. This is
 * the one place the validator walks YAML nodes.
 * @module
 */
import {
  isYamlMap,
  isYamlScalar,
  isYamlSeq,
  type YamlMap,
  type YamlNode,
  type YamlScalar,
} from "./yaml_node.ts";
import type { DiagnosticBag } from "./diagnostics.ts";
import { diagnosticOfError } from "./diagnostics.ts";
import { describeNode, isNullNode, type NodeReader, offsetOf, scalarText } from "./yaml.ts";
import {
  Budget,
  expandTemplate,
  hasTemplate,
  type ScalarLike,
  scalarLocator,
  type Scope,
  type TextLocator,
  type Value,
} from "../expr/mod.ts";
import { TwonexError } from "../util/mod.ts";
import {
  HEX64_PATTERN,
  keysOf,
  ruleProblem,
  type TextRule,
  type ValueType,
} from "./schema_types.ts";

/** The YAML node type the section readers see (2nex's own, yaml_node.ts). */
export type { YamlNode } from "./yaml_node.ts";

export interface TextOptions {
  literal?: boolean;
  scope?: Scope;
  what?: string;
  allowEmpty?: boolean;
}

/** The values of a map's keys, by key; only the keys the table allows. */
export type FieldValues = Map<string, YamlNode | null>;

export class FieldReader {
  readonly budget = new Budget();

  constructor(
    readonly path: string,
    readonly source: string,
    readonly reader: NodeReader,
    readonly bag: DiagnosticBag,
  ) {}

  /** The entries of `map` whose keys `type` (a map type of the table) allows. */
  fieldMap(map: YamlMap, what: string, type: ValueType): FieldValues {
    const fields: FieldValues = new Map();
    for (const { key, value } of this.reader.entries(map, what, keysOf(type))) {
      fields.set(key, value);
    }
    return fields;
  }

  /** The items of a list (an error and undefined when `node` is no list). */
  items(node: YamlNode | null | undefined, what: string): Array<YamlNode | null> | undefined {
    return this.reader.seq(node, what)?.items;
  }

  /** Reports `text` at `node` when it breaks `rule`; true when it is fine. */
  checkRule(rule: TextRule, text: string, node: YamlNode | null | undefined): boolean {
    const problem = ruleProblem(rule, text);
    if (problem) this.bag.error(offsetOf(node), problem.message, problem.hint);
    return problem === undefined;
  }

  resolvedScalar(node: YamlNode | null | undefined): YamlScalar | undefined {
    const resolved = this.reader.resolve(node);
    return resolved && isYamlScalar(resolved) ? resolved : undefined;
  }

  requiredText(
    fields: FieldValues,
    key: string,
    parent: YamlNode,
    options: TextOptions,
  ): string | undefined {
    const what = options.what ?? `${key}`;
    if (!fields.has(key)) {
      this.bag.error(offsetOf(parent), `missing required key \`${what}\``);
      return undefined;
    }
    return this.text(fields.get(key), what, options);
  }

  optionalText(fields: FieldValues, key: string, options: TextOptions): string | undefined {
    if (!fields.has(key)) return undefined;
    return this.text(fields.get(key), options.what ?? key, options);
  }

  /** A scalar as text: numbers as written, templates expanded unless literal. */
  text(node: YamlNode | null | undefined, what: string, options: TextOptions): string | undefined {
    const scalar = this.resolvedScalar(node);
    if (!scalar || scalar.value === null) {
      this.bag.error(
        offsetOf(node),
        `${what} must be text, got ${describeNode(this.reader.resolve(node))}`,
      );
      return undefined;
    }
    if (typeof scalar.value !== "string") return scalarText(scalar);
    const raw = scalar.value;
    if (!hasTemplate(raw)) return this.checkEmpty(raw, node, what, options);
    if (options.literal) {
      this.bag.error(offsetOf(node), `${what} must be literal; expressions are not allowed here`);
      return undefined;
    }
    const value = this.expand(scalar, options.scope ?? {});
    if (value === undefined) return undefined;
    if (value !== null && typeof value === "object") {
      this.bag.error(
        offsetOf(node),
        `${what} must be text, but its expression gives ${
          Array.isArray(value) ? "a list" : "a map"
        }`,
      );
      return undefined;
    }
    return this.checkEmpty(value === null ? "" : String(value), node, what, options);
  }

  private checkEmpty(
    text: string,
    node: YamlNode | null | undefined,
    what: string,
    options: TextOptions,
  ): string | undefined {
    if (text === "" && !options.allowEmpty) {
      this.bag.error(offsetOf(node), `${what} must not be empty`);
      return undefined;
    }
    return text;
  }

  /** A list of texts; a single template giving a list is accepted too. */
  textList(
    node: YamlNode | null | undefined,
    what: string,
    scope: Scope,
  ): Array<{ text: string; offset: number }> {
    const resolved = this.reader.resolve(node);
    if (
      resolved && isYamlScalar(resolved) && typeof resolved.value === "string" &&
      hasTemplate(resolved.value)
    ) {
      const value = this.expand(resolved, scope);
      if (value === undefined) return [];
      const items = Array.isArray(value) ? value : [value];
      return items.map((item) => ({
        text: item === null ? "" : typeof item === "object" ? JSON.stringify(item) : String(item),
        offset: offsetOf(resolved),
      }));
    }
    const seq = this.reader.seq(resolved, `\`${what}\``, true);
    if (!seq) return [];
    const out: Array<{ text: string; offset: number }> = [];
    for (const item of seq.items) {
      if (!this.reader.charge(offsetOf(seq))) break;
      const text = this.text(item, `an entry of ${what}`, { scope });
      if (text !== undefined) out.push({ text, offset: offsetOf(item) });
    }
    return out;
  }

  /** A map of environment variable names to text. */
  envMap(
    node: YamlNode | null | undefined,
    what: string,
    keyRule: TextRule,
    scope: Scope,
  ): Record<string, string> {
    const env: Record<string, string> = {};
    if (node === undefined || isNullNode(node)) return env;
    const map = this.reader.map(node, `\`${what}\``);
    if (!map) return env;
    for (const { key, keyNode, value } of this.reader.entries(map, `\`${what}\``)) {
      if (!this.checkRule(keyRule, key, keyNode)) continue;
      const text = this.text(value, `${what}.${key}`, { scope, allowEmpty: true });
      if (text !== undefined) env[key] = text;
    }
    return env;
  }

  expand(scalar: YamlScalar, scope: Scope): Value | undefined {
    try {
      return expandTemplate(
        scalar.value as string,
        scope,
        scalarLocator(this.path, this.source, located(scalar)),
        this.budget,
      );
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  /** Adds a 2nex error (an expression's) to the bag; anything else is a bug and thrown. */
  report(error: unknown): void {
    if (error instanceof TwonexError) this.bag.add(diagnosticOfError(error, this.path));
    else throw error;
  }

  /** The locator of the scalar at `path` inside `node` (for errors in vars). */
  locatorAt(node: YamlNode | null, path: (string | number)[]): TextLocator {
    let current: YamlNode | null | undefined = this.reader.resolve(node);
    for (const step of path) {
      if (current && isYamlSeq(current) && typeof step === "number") {
        current = this.reader.resolve(current.items[step]);
      } else if (current && isYamlMap(current)) {
        const pair = current.pairs.find((p) =>
          p.key !== null && isYamlScalar(p.key) && String(p.key.value) === String(step)
        );
        current = this.reader.resolve(pair?.value ?? null);
      } else break;
    }
    if (current && isYamlScalar(current)) {
      return scalarLocator(this.path, this.source, located(current));
    }
    const offset = offsetOf(current ?? node);
    return { file: this.path, locate: () => this.bag.position(offset) };
  }

  hex64(node: YamlNode | null | undefined, what: string, allowNull: boolean): string | undefined {
    if (node === undefined) return undefined;
    const scalar = this.resolvedScalar(node);
    if (allowNull && scalar && scalar.value === null) return undefined;
    // A hash of digits only is a number to YAML: use the text as written.
    const value = scalar && scalar.value !== null ? scalarText(scalar) : undefined;
    if (value !== undefined && hasTemplate(value)) {
      this.bag.error(offsetOf(node), `${what} must be literal; expressions are not allowed here`);
      return undefined;
    }
    if (value === undefined || !HEX64_PATTERN.test(value)) {
      const shown = scalar ? scalarText(scalar) : describeNode(this.reader.resolve(node));
      this.bag.error(
        offsetOf(node),
        `${what} must be a sha256 (64 hexadecimal characters), got ${
          JSON.stringify(shown.length > 80 ? shown.slice(0, 80) + "…" : shown)
        }`,
        value !== undefined && /^[0-9a-fA-F]+$/.test(value)
          ? `it has ${value.length} characters, not 64`
          : undefined,
      );
      return undefined;
    }
    return value.toLowerCase();
  }

  boolean(node: YamlNode | null, what: string): boolean | undefined {
    const scalar = this.resolvedScalar(node);
    if (scalar && typeof scalar.value === "boolean") return scalar.value;
    this.bag.error(
      offsetOf(node),
      `${what} must be true or false, got ${describeNode(this.reader.resolve(node))}`,
    );
    return undefined;
  }

  /** A whole number of at least the table's `min` for the key. */
  integer(node: YamlNode | null, what: string, type: ValueType): number | undefined {
    if (type.kind !== "integer") throw new Error(`integer: ${what} is a ${type.kind}`);
    const min = type.min;
    const scalar = this.resolvedScalar(node);
    if (
      scalar && typeof scalar.value === "number" && Number.isSafeInteger(scalar.value) &&
      scalar.value >= min
    ) {
      return scalar.value;
    }
    this.bag.error(
      offsetOf(node),
      `${what} must be a whole number of at least ${min}, got ${
        scalar ? scalarText(scalar) : describeNode(this.reader.resolve(node))
      }`,
    );
    return undefined;
  }
}

/** What the expression language's locator reads of a scalar: its range, style and value. */
function located(scalar: YamlScalar): ScalarLike {
  return { range: scalar.range, type: scalar.style, value: scalar.value };
}
