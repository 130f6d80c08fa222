/**
 * The vocabulary of the key tables (schema_table.ts for manifests,
 * workspace/config_table.ts for 2nex.yaml): what a key holds, whether it is
 * required, and the hint its errors show. The validators read the tables for
 * key sets, patterns, enums, bounds and hints; json_schema.ts turns the same
 * tables into the JSON Schemas editors use, so the two cannot drift.
 * @module
 */

/** A pattern a text must match, with the words of its error. */
export interface TextRule {
  /** Anchored (`^…$`); JSON Schema and the validator use the same source. */
  pattern: RegExp;
  /** What the text is, in "invalid LABEL …". */
  label: string;
  hint?: string;
}

/** What a `hex64` key holds. */
export const HEX64_PATTERN = /^[0-9a-fA-F]{64}$/;

/** What one key holds. */
export type ValueType =
  /** A scalar read as text (numbers and booleans as written). */
  | {
    kind: "text";
    rule?: TextRule;
    /** `${{ }}` is refused (section 4: literal keys). */
    literal?: boolean;
    /** "" is accepted. */
    allowEmpty?: boolean;
    /** Only these texts (an enum); `hint` is shown for any other. */
    oneOf?: readonly string[];
    hint?: string;
  }
  /** A sha256: 64 hexadecimal characters, literal. */
  | { kind: "hex64" }
  | { kind: "integer"; min: number }
  | { kind: "boolean" }
  /** A size: bytes, or a number with K, M, G or T. */
  | { kind: "size"; hint: string }
  /** A map with fixed keys (others are errors, but for `x-` ones). */
  | {
    kind: "map";
    fields: Fields;
    /** Exactly one of these keys must be given (the validator says so in its own words). */
    exactlyOne?: readonly string[];
  }
  /** A map whose keys the user names, each checked by `key`. */
  | { kind: "dict"; key: TextRule; values: ValueType }
  /**
   * A list; `orScalar`: one item may be written without the list;
   * `orTemplate`: a `${{ }}` giving a list stands for it; `orNull`: null is an empty list.
   */
  | { kind: "list"; items: ValueType; orScalar?: boolean; orTemplate?: boolean; orNull?: boolean }
  /** Any one of these forms. */
  | { kind: "choice"; choices: readonly ValueType[] }
  /** Any YAML value (vars). */
  | { kind: "any" };

export interface Field {
  type: ValueType;
  /** Present: the key must be given; the text is the hint of its error (may be ""). */
  required?: string;
  /** `null` (or an empty value) means "not given". */
  nullable?: boolean;
  /** One line for editors' hover text. */
  description: string;
  /** The default when absent, as written in YAML (for editors; code owns the real value). */
  default?: unknown;
}

export type Fields = Readonly<Record<string, Field>>;

/** The keys of a map type, for NodeReader.entries' list of allowed keys. */
export function keysOf(type: ValueType): readonly string[] {
  if (type.kind !== "map") throw new Error(`keysOf: a ${type.kind} has no fixed keys`);
  return Object.keys(type.fields);
}

/** The fields of a map type. */
export function fieldsOf(type: ValueType): Fields {
  if (type.kind !== "map") throw new Error(`fieldsOf: a ${type.kind} has no fixed keys`);
  return type.fields;
}

/** The hint of a required field's "missing" error (undefined when it has none). */
export function requiredHint(field: Field): string | undefined {
  return field.required === undefined || field.required === "" ? undefined : field.required;
}

/** The message and hint when `text` breaks `rule`, else undefined. */
export function ruleProblem(
  rule: TextRule,
  text: string,
): { message: string; hint?: string } | undefined {
  if (rule.pattern.test(text)) return undefined;
  return { message: `invalid ${rule.label} ${JSON.stringify(text)}`, hint: rule.hint };
}
