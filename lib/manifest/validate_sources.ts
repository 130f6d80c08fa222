/**
 * The `sources` and `dependencies` sections of a manifest (SPEC section 4):
 * keys, patterns and hints from schema_table.ts; here the checks across keys
 * (url or file, duplicate names, `commit:` alone) and path safety.
 * @module
 */
import { isNullNode, offsetOf } from "./yaml.ts";
import type { DependencySpec, SourceSpec } from "./types.ts";
import type { Scope } from "../expr/mod.ts";
import { isPathSegment, MAX_FILE_NAME_BYTES } from "../source/mod.ts";
import { pathTextProblem, urlPathProblem } from "./path_text.ts";
import type { FieldReader, YamlNode } from "./field_reader.ts";
import { MANIFEST_TYPE, SOURCE_NAME_RULE, URL_RULE } from "./schema_table.ts";
import { fieldsOf, requiredHint, type ValueType } from "./schema_types.ts";

/** The item type of a list section of the manifest table. */
function itemType(section: string): ValueType {
  const type = fieldsOf(MANIFEST_TYPE)[section].type;
  if (type.kind !== "list") throw new Error(`${section} is no list in the table`);
  return type.items;
}
const SOURCE_TYPE = itemType("sources");
const DEPENDENCY_TYPE = itemType("dependencies");

export function readSources(
  r: FieldReader,
  node: YamlNode | null | undefined,
  scope: Scope,
): SourceSpec[] {
  if (node === undefined || isNullNode(node)) return [];
  const items = r.items(node, "`sources`");
  if (!items) return [];
  const out: SourceSpec[] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const map = r.reader.map(item, "each source");
    if (!map) continue;
    const fields = r.fieldMap(map, "a source", SOURCE_TYPE);
    const name = r.requiredText(fields, "name", map, { literal: true, what: "source.name" });
    if (
      name !== undefined && r.checkRule(SOURCE_NAME_RULE, name, fields.get("name")) &&
      !isPathSegment(name)
    ) {
      // The pattern has done the rest: the name is a directory of the build tree.
      r.bag.error(
        offsetOf(fields.get("name")),
        `source name ${
          JSON.stringify(name.slice(0, 20))
        }… is longer than ${MAX_FILE_NAME_BYTES} bytes`,
        "the name is the source's directory in the build tree",
      );
    }
    if (name !== undefined) {
      if (seen.has(name)) {
        r.bag.error(
          offsetOf(fields.get("name")),
          `duplicate source name "${name}"`,
          `the first one is on line ${r.bag.position(seen.get(name)!).line}`,
        );
      } else seen.set(name, offsetOf(fields.get("name")));
    }
    const url = r.optionalText(fields, "url", { scope, what: "source.url" });
    const file = r.optionalText(fields, "file", { scope, what: "source.file" });
    if (url === undefined && file === undefined && !fields.has("url") && !fields.has("file")) {
      r.bag.error(offsetOf(map), "a source needs `url` or `file`");
    }
    if (fields.has("url") && fields.has("file")) {
      r.bag.error(
        offsetOf(fields.get("file")),
        "a source has either `url` or `file`, not both",
      );
    }
    if (url !== undefined && r.checkRule(URL_RULE, url, fields.get("url"))) {
      const problem = urlPathProblem(url);
      if (problem !== undefined) {
        r.bag.error(
          offsetOf(fields.get("url")),
          `source URL ${JSON.stringify(url)} ${problem}`,
          "the URL's last path segment becomes a file name; it must not name another path",
        );
      }
    }
    if (file !== undefined) filePath(r, file, fields.get("file"));
    const sha256Node = fields.get("sha256");
    if (!sha256Node) {
      r.bag.error(
        offsetOf(map),
        "missing required key `sha256` in a source",
        requiredHint(fieldsOf(SOURCE_TYPE).sha256),
      );
    }
    const sha256 = sha256Node ? r.hex64(sha256Node, "source.sha256", false) : undefined;
    if (name === undefined || sha256 === undefined || (url === undefined && file === undefined)) {
      continue;
    }
    out.push({ name, url, file, sha256, position: r.bag.position(offsetOf(map)) });
  }
  return out;
}

/** A `file:` path: relative, and no "..", encoded "/" or NUL, or control character. */
function filePath(r: FieldReader, file: string, node: YamlNode | null | undefined): void {
  const problem = file === ""
    ? "is empty"
    : file.startsWith("/")
    ? "is absolute"
    : pathTextProblem(file);
  if (problem === undefined) return;
  r.bag.error(
    offsetOf(node),
    `file path ${JSON.stringify(file)} ${problem}`,
    "a file source is a path relative to the manifest, the workspace or a mirror directory, " +
      "and it must stay inside them",
  );
}

export function readDependencies(
  r: FieldReader,
  node: YamlNode | null | undefined,
  scope: Scope,
): DependencySpec[] {
  if (node === undefined || isNullNode(node)) return [];
  const items = r.items(node, "`dependencies`");
  if (!items) return [];
  const out: DependencySpec[] = [];
  const seen = new Map<string, { identity: string; offset: number }>();
  for (const item of items) {
    const map = r.reader.map(item, "each dependency");
    if (!map) continue;
    const fields = r.fieldMap(map, "a dependency", DEPENDENCY_TYPE);
    const name = r.requiredText(fields, "name", map, { scope, what: "dependency.name" });
    const version = r.optionalText(fields, "version", { scope, what: "dependency.version" });
    const flavor = r.optionalText(fields, "flavor", { scope, what: "dependency.flavor" });
    const bundle = r.optionalText(fields, "bundle", { scope, what: "dependency.bundle" });
    const commit = r.optionalText(fields, "commit", { scope, what: "dependency.commit" });
    if (
      commit !== undefined &&
      (version !== undefined || flavor !== undefined || bundle !== undefined)
    ) {
      r.bag.error(
        offsetOf(fields.get("commit")),
        "a `commit:` dependency names its ref completely; drop `version`, `flavor` and `bundle`",
      );
    }
    if (name === undefined) continue;
    const identity = JSON.stringify([name, version, flavor, bundle, commit]);
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      // The original builder accepted a dependency listed twice; it is one edge.
      if (earlier.identity === identity) {
        r.bag.warning(
          offsetOf(map),
          `dependency "${name}" is listed twice`,
          `the first one is on line ${r.bag.position(earlier.offset).line}; it is one dependency`,
        );
      } else {
        r.bag.error(
          offsetOf(fields.get("name")),
          `duplicate dependency "${name}"`,
          `the first one, on line ${
            r.bag.position(earlier.offset).line
          }, names another package or part`,
        );
      }
      continue;
    }
    seen.set(name, { identity, offset: offsetOf(map) });
    out.push({
      name,
      version,
      flavor,
      bundle,
      commit,
      position: r.bag.position(offsetOf(map)),
    });
  }
  return out;
}
