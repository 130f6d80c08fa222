/**
 * JSON Schemas (draft-07, which both ajv and yaml-language-server read) of
 * manifests and of 2nex.yaml, made from the key tables the validators read
 * (manifest/schema_table.ts, config_table.ts). They describe the YAML as
 * written: text keys also take numbers and booleans (2nex reads them as
 * written), and a key that allows `${{ }}` takes any text holding one.
 * scripts/json-schemas.ts writes them to docs/schemas/; `2nex init` copies
 * them into a new workspace's .2nex-schema/ for editors.
 * @module
 */
import { MIN_MEMORY, SIZE_PATTERN } from "../sandbox/mod.ts";
import { type Field, HEX64_PATTERN, MANIFEST_TYPE, type ValueType } from "../manifest/mod.ts";
import { CONFIG_TYPE } from "./config_table.ts";

export type JsonSchema = Record<string, unknown>;

/** The YAML files that have a schema, by the schema's file name stem. */
export const EDITOR_SCHEMAS = {
  manifest: { type: MANIFEST_TYPE, title: "2nex manifest (schema 1)" },
  config: { type: CONFIG_TYPE, title: "2nex workspace configuration (2nex.yaml)" },
} as const;
export type EditorSchemaName = keyof typeof EDITOR_SCHEMAS;

/** Where a workspace keeps its copies of the schemas (relative to its root). */
export const WORKSPACE_SCHEMA_DIR = ".2nex-schema";

/** The file name of a schema. */
export function editorSchemaFile(name: EditorSchemaName): string {
  return `${name}.schema.json`;
}

/** The first line of a YAML file that points yaml-language-server at a schema. */
export function schemaModeline(schemaPath: string): string {
  return `# yaml-language-server: $schema=${schemaPath}`;
}

/** A text holding a `${{ }}` template (its value is known only when evaluated). */
const TEMPLATE = "\\$\\{\\{";
/** Keys starting with `x-` are extensions, accepted anywhere a map has fixed keys. */
const EXTENSION = "^x-";

/** The schema of one value type. */
export function valueSchema(type: ValueType): JsonSchema {
  switch (type.kind) {
    case "text": {
      if (type.oneOf) {
        // `schema: 1` is a number to YAML; 2nex reads it as written.
        const numeric = type.oneOf.filter((v) => /^[0-9]+$/.test(v)).map(Number);
        return { enum: [...type.oneOf, ...numeric] };
      }
      const schema: JsonSchema = { type: ["string", "number", "boolean"] };
      if (type.rule) {
        const pattern = type.rule.pattern.source;
        schema.pattern = type.literal ? pattern : `(?:${pattern})|${TEMPLATE}`;
      }
      if (!type.allowEmpty) schema.minLength = 1;
      return schema;
    }
    case "hex64":
      return { type: "string", pattern: HEX64_PATTERN.source };
    case "integer":
      return { type: "integer", minimum: type.min };
    case "boolean":
      return { type: "boolean" };
    case "size":
      return {
        anyOf: [{ type: "integer", minimum: MIN_MEMORY }, {
          type: "string",
          pattern: SIZE_PATTERN.source,
        }],
      };
    case "map": {
      const required = Object.entries(type.fields)
        .filter(([, field]) => field.required !== undefined)
        .map(([key]) => key);
      const schema: JsonSchema = {
        type: "object",
        properties: Object.fromEntries(
          Object.entries(type.fields).map(([key, field]) => [key, fieldSchema(field)]),
        ),
        patternProperties: { [EXTENSION]: {} },
        additionalProperties: false,
      };
      if (required.length > 0) schema.required = required;
      if (type.exactlyOne) {
        schema.oneOf = type.exactlyOne.map((key) => ({ required: [key] }));
      }
      return schema;
    }
    case "dict":
      return {
        type: "object",
        propertyNames: { pattern: type.key.pattern.source },
        additionalProperties: valueSchema(type.values),
      };
    case "list": {
      const forms: JsonSchema[] = [{ type: "array", items: valueSchema(type.items) }];
      if (type.orScalar) forms.push(valueSchema(type.items));
      if (type.orTemplate) forms.push({ type: "string", pattern: TEMPLATE });
      if (type.orNull) forms.push({ type: "null" });
      return forms.length === 1 ? forms[0] : { anyOf: forms };
    }
    case "choice":
      return { anyOf: type.choices.map(valueSchema) };
    case "any":
      return {};
  }
}

function fieldSchema(field: Field): JsonSchema {
  const value = valueSchema(field.type);
  const schema: JsonSchema = field.nullable ? { anyOf: [value, { type: "null" }] } : value;
  return {
    description: field.description,
    ...(field.default !== undefined ? { default: field.default } : {}),
    ...schema,
  };
}

/** The whole schema document of `name`. */
export function editorSchema(name: EditorSchemaName): JsonSchema {
  const { type, title } = EDITOR_SCHEMAS[name];
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `https://2nex.invalid/schemas/${editorSchemaFile(name)}`,
    title,
    ...valueSchema(type),
  };
}

/** The file text of a schema, as committed in docs/schemas/ and written by `2nex init`. */
export function editorSchemaText(name: EditorSchemaName): string {
  return JSON.stringify(editorSchema(name), null, 2) + "\n";
}
