/**
 * The `package` and `vars` sections of a manifest (SPEC section 4): keys,
 * patterns and hints from schema_table.ts; here what the table cannot say
 * (the checksum alias, ref safety, vars evaluated in order).
 * @module
 */
import { describeNode, isNullNode, offsetOf, scalarText } from "./yaml.ts";
import type { PackageInfo } from "./types.ts";
import { evaluateVars, type Scope, type TextLocator } from "../expr/mod.ts";
import type { FieldReader, YamlNode } from "./field_reader.ts";
import { MANIFEST_TYPE, VAR_NAME_RULE } from "./schema_table.ts";
import { fieldsOf, requiredHint } from "./schema_types.ts";

const PACKAGE = fieldsOf(MANIFEST_TYPE).package;
const PACKAGE_FIELDS = fieldsOf(PACKAGE.type);

/** A character that ostree refs do not allow. */
const REF_UNSAFE_CHAR = /[^._A-Za-z0-9/-]/g;

/** The `package` map; undefined when it has errors that leave no slug or version. */
export function readPackage(
  r: FieldReader,
  node: YamlNode | null,
  hostScope: Scope,
): PackageInfo | undefined {
  const map = r.reader.map(node, "`package`");
  if (!map) return undefined;
  const fields = r.fieldMap(map, "`package`", PACKAGE.type);
  const literalScope: Scope = { ...hostScope };
  const errorsBefore = r.bag.items.length;

  const schemaNode = fields.get("schema");
  const schemaType = PACKAGE_FIELDS.schema.type;
  if (!schemaNode) {
    r.bag.error(
      offsetOf(map),
      "missing required key `package.schema`",
      requiredHint(PACKAGE_FIELDS.schema),
    );
  } else if (schemaType.kind === "text") {
    const schema = r.resolvedScalar(schemaNode);
    const schemaText = schema ? scalarText(schema) : undefined;
    if (!schemaType.oneOf?.includes(schemaText ?? "")) {
      r.bag.error(
        offsetOf(schemaNode),
        `unsupported schema ${JSON.stringify(schemaText ?? describeNode(schemaNode))}`,
        schemaType.hint,
      );
    }
  }
  const slug = r.requiredText(fields, "slug", map, { literal: true });
  if (slug !== undefined) checkText(r, "slug", slug, fields.get("slug"));
  const version = r.requiredText(fields, "version", map, { scope: literalScope });
  if (version !== undefined) checkText(r, "version", version, fields.get("version"));
  const flavor = r.optionalText(fields, "flavor", { scope: literalScope }) ??
    String(PACKAGE_FIELDS.flavor.default);
  refSafe(r, slug, "slug", fields.get("slug"));
  refSafe(r, version, "version", fields.get("version"));
  refSafe(r, flavor, "flavor", fields.get("flavor"));
  checkText(r, "flavor", flavor, fields.get("flavor"));
  const checksumNode = fields.get("checksum");
  const sha256Node = fields.get("sha256");
  if (checksumNode && sha256Node) {
    r.bag.error(
      offsetOf(sha256Node),
      "both `checksum` and its alias `sha256` are given",
      "keep only `checksum`",
    );
  }
  const checksum = r.hex64(checksumNode ?? sha256Node, "package.checksum", true);
  const stableNode = fields.get("stable_checksum");
  const stable = stableNode ? r.boolean(stableNode, "package.stable_checksum") : true;
  const textScope: Scope = {
    ...literalScope,
    package: { slug: slug ?? null, version: version ?? null, flavor },
  };
  const name = r.optionalText(fields, "name", { scope: textScope });
  const description = r.optionalText(fields, "description", { scope: textScope });
  // The original format writes `homepage: ""` for packages without one.
  const homepage = r.optionalText(fields, "homepage", {
    scope: textScope,
    allowEmpty: PACKAGE_FIELDS.homepage.type.kind === "text" &&
      PACKAGE_FIELDS.homepage.type.allowEmpty,
  });
  if (r.bag.items.length > errorsBefore && (slug === undefined || version === undefined)) {
    return undefined;
  }
  if (slug === undefined || version === undefined) return undefined;
  return {
    schema: 1,
    name,
    slug,
    version,
    flavor,
    description,
    homepage,
    checksum,
    stableChecksum: stable ?? true,
  };
}

/** Checks a package key's text against its rule in the table. */
function checkText(r: FieldReader, key: string, text: string, node: YamlNode | null | undefined) {
  const type = PACKAGE_FIELDS[key].type;
  if (type.kind === "text" && type.rule) r.checkRule(type.rule, text, node);
}

/**
 * Slug, version and flavor become parts of ostree refs, which allow only
 * letters, digits, "-", "_" and "." (and "/" between flavor segments): a "+"
 * or "~" that the patterns accept would only fail after the build.
 */
function refSafe(
  r: FieldReader,
  text: string | undefined,
  what: string,
  node: YamlNode | null | undefined,
): void {
  if (text === undefined) return;
  // No match, the usual case, allocates nothing.
  const unsafe = text.match(REF_UNSAFE_CHAR);
  if (!unsafe || (what !== "flavor" && text.includes("/"))) return;
  const bad = [...new Set(unsafe)];
  if (bad.some((c) => c !== "+" && c !== "~")) return; // the pattern check reports those
  r.bag.error(
    offsetOf(node),
    `${what} "${text}" cannot be part of an ostree ref: ${
      bad.map((c) => `"${c}"`).join(" and ")
    } not allowed`,
    `refs allow letters, digits, "-", "_" and "."; e.g. "${text.replace(/[+~]/g, "-")}"`,
  );
}

/** The `vars` map, evaluated (they may use each other). */
export function readVars(
  r: FieldReader,
  node: YamlNode | null | undefined,
  scope: Scope,
): Record<string, unknown> {
  if (node === undefined || isNullNode(node)) return {};
  const map = r.reader.map(node, "`vars`");
  if (!map) return {};
  const items: Array<
    { name: string; value: unknown; where: (path: (string | number)[]) => TextLocator }
  > = [];
  for (const { key, keyNode, value } of r.reader.entries(map, "`vars`")) {
    if (!r.checkRule(VAR_NAME_RULE, key, keyNode)) continue;
    const data = r.reader.toData(value, offsetOf(keyNode));
    if (r.reader.exhausted) return {};
    items.push({ name: key, value: data, where: (path) => r.locatorAt(value, path) });
  }
  if (r.reader.exhausted) return {};
  try {
    return evaluateVars(items, scope, r.budget) as Record<string, unknown>;
  } catch (error) {
    r.report(error);
    return {};
  }
}
