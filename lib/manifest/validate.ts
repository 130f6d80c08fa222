/**
 * Validates a parsed manifest document against schema 1 (SPEC section 4) and
 * evaluates its `${{ }}` templates (EXPRESSIONS.md), producing a typed Manifest.
 * Every problem of the file is reported, not only the first.
 * @module
 */
import type { Node, Scalar, YAMLMap } from "yaml";
import { isMap, isScalar, isSeq } from "./yaml_library.ts";
import type { DiagnosticBag } from "./diagnostics.ts";
import { diagnosticOfError } from "./diagnostics.ts";
import { describeNode, isNullNode, type NodeReader, offsetOf, scalarText } from "./yaml.ts";
import type {
  BuildSpec,
  DependencySpec,
  Manifest,
  PackageInfo,
  SandboxMode,
  SourceSpec,
} from "./types.ts";
import {
  Budget,
  evaluateVars,
  expandTemplate,
  hasTemplate,
  scalarLocator,
  type Scope,
  type TextLocator,
  type Value,
} from "../expr/mod.ts";
import { TwonexError } from "../util/errors.ts";
import { closestNames } from "../expr/suggest.ts";
import { isPathSegment, MAX_FILE_NAME_BYTES, sourceFileName } from "../source/file_name.ts";
import { pathTextProblem, urlPathProblem } from "./path_text.ts";
import { readLimits } from "./limits_field.ts";

const TOP_KEYS = [
  "package",
  "vars",
  "sources",
  "dependencies",
  "build",
  "outputs",
  "bundles",
] as const;
const PACKAGE_KEYS = [
  "schema",
  "name",
  "slug",
  "version",
  "flavor",
  "description",
  "homepage",
  "checksum",
  "sha256",
  "stable_checksum",
] as const;
const SOURCE_KEYS = ["name", "url", "file", "sha256"] as const;
const DEPENDENCY_KEYS = ["name", "version", "flavor", "bundle", "commit"] as const;
const BUILD_KEYS = [
  "sandbox",
  "env",
  "source_date_epoch",
  "script",
  "shell",
  "timeout",
  "limits",
] as const;

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9._+_-]*$/;
/**
 * Any text but "/", NUL, "=" and line breaks, and not "." or "..": a directory
 * name under /2nex/sources, and an environment variable name after SOURCE_.
 */
const SOURCE_NAME_PATTERN = /^(?!\.\.?$)[^/\0\n\r=]+$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OUTPUT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEX64_PATTERN = /^[0-9a-fA-F]{64}$/;
const FLAVOR_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]*(\/[A-Za-z0-9][A-Za-z0-9._+-]*)*$/;
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;
/** A character that ostree refs do not allow. */
const REF_UNSAFE_CHAR = /[^._A-Za-z0-9/-]/g;

/** What the expression scope's `deps` holds for one dependency. */
export interface DependencyScopeEntry {
  slug: string;
  version: string | null;
  flavor: string | null;
  bundle: string | null;
  hash: string | null;
}

export interface ValidateOptions {
  /** Fills `deps.NAME` in expressions once the graph is resolved; before that, what the manifest says. */
  dependencyInfo?: (dep: DependencySpec) => DependencyScopeEntry | undefined;
  hostArch?: string;
  target?: string;
}

/** Validates and evaluates one manifest; returns undefined when `bag` got errors. */
export function validateManifest(
  path: string,
  text: string,
  root: Node | null,
  reader: NodeReader,
  bag: DiagnosticBag,
  options: ValidateOptions = {},
): Manifest | undefined {
  return new ManifestValidator(path, text, reader, bag, options).run(root);
}

class ManifestValidator {
  readonly budget = new Budget();
  readonly hostScope: Scope;

  constructor(
    readonly path: string,
    readonly source: string,
    readonly reader: NodeReader,
    readonly bag: DiagnosticBag,
    readonly options: ValidateOptions,
  ) {
    this.hostScope = {
      host: { arch: options.hostArch ?? "x86_64" },
      target: options.target ?? `${options.hostArch ?? "x86_64"}-pc-linux-gnu`,
    };
  }

  run(root: Node | null): Manifest | undefined {
    const top = this.reader.map(root, "a manifest");
    if (!top) {
      if (isNullNode(root)) {
        this.bag.error(0, "empty manifest", "a manifest needs at least a `package:` section");
      }
      return undefined;
    }
    const sections = new Map<string, { keyNode: Node; value: Node | null }>();
    for (const entry of this.reader.entries(top, "the manifest", TOP_KEYS)) {
      sections.set(entry.key, entry);
    }
    const pkgSection = sections.get("package");
    if (!pkgSection) {
      this.bag.error(offsetOf(top), "missing required section `package`");
      return undefined;
    }
    const pkg = this.packageInfo(pkgSection.value);
    if (!pkg) return undefined;

    const packageScope: Scope = { package: packageValue(pkg), ...this.hostScope };
    const vars = this.vars(sections.get("vars")?.value, packageScope);
    const scope: Scope = { ...packageScope, vars: vars as Value };
    const sources = this.sources(sections.get("sources")?.value, scope);
    scope.sources = sourcesValue(sources);
    const dependencies = this.dependencies(sections.get("dependencies")?.value, scope);
    scope.deps = depsValue(dependencies, this.options);
    const buildSection = sections.get("build");
    let build: BuildSpec | undefined;
    if (!buildSection) {
      this.bag.error(
        offsetOf(top),
        "missing required section `build`",
        "add `build: { script: ... }`",
      );
    } else {
      build = this.build(buildSection.value, scope);
    }
    const outputs = this.outputs(sections.get("outputs")?.value, scope);
    const bundles = this.bundles(sections.get("bundles")?.value, scope, outputs);
    if (this.bag.hasErrors || !build) return undefined;
    return {
      path: this.path,
      package: pkg,
      vars,
      sources,
      dependencies,
      build,
      outputs: outputs.values,
      bundles,
    };
  }

  // ---- package -----------------------------------------------------------

  private packageInfo(node: Node | null): PackageInfo | undefined {
    const map = this.reader.map(node, "`package`");
    if (!map) return undefined;
    const fields = this.fieldMap(map, "`package`", PACKAGE_KEYS);
    const literalScope: Scope = { ...this.hostScope };
    const errorsBefore = this.bag.items.length;

    const schemaNode = fields.get("schema");
    if (!schemaNode) {
      this.bag.error(offsetOf(map), "missing required key `package.schema`", "add `schema: 1`");
    } else {
      const schema = this.resolvedScalar(schemaNode);
      const schemaText = schema ? scalarText(schema) : undefined;
      if (schemaText !== "1") {
        this.bag.error(
          offsetOf(schemaNode),
          `unsupported schema ${JSON.stringify(schemaText ?? describeNode(schemaNode))}`,
          "this version of 2nex reads schema 1",
        );
      }
    }
    const slug = this.requiredText(fields, "slug", map, { literal: true });
    if (slug !== undefined && !SLUG_PATTERN.test(slug)) {
      this.bag.error(
        offsetOf(fields.get("slug")),
        `invalid slug "${slug}"`,
        "a slug is lowercase letters, digits and . _ + -, starting with a letter or digit",
      );
    }
    const version = this.requiredText(fields, "version", map, { scope: literalScope });
    if (version !== undefined && !VERSION_PATTERN.test(version)) {
      this.bag.error(
        offsetOf(fields.get("version")),
        `invalid version "${version}"`,
        "a version is letters, digits and . _ + ~ -, with no spaces or slashes",
      );
    }
    const flavor = this.optionalText(fields, "flavor", { scope: literalScope }) ?? "main";
    this.refSafe(slug, "slug", fields.get("slug"));
    this.refSafe(version, "version", fields.get("version"));
    this.refSafe(flavor, "flavor", fields.get("flavor"));
    if (!FLAVOR_PATTERN.test(flavor)) {
      this.bag.error(
        offsetOf(fields.get("flavor")),
        `invalid flavor "${flavor}"`,
        'a flavor is path segments of letters, digits and . _ + -, separated by "/"',
      );
    }
    const checksumNode = fields.get("checksum");
    const sha256Node = fields.get("sha256");
    if (checksumNode && sha256Node) {
      this.bag.error(
        offsetOf(sha256Node),
        "both `checksum` and its alias `sha256` are given",
        "keep only `checksum`",
      );
    }
    const checksum = this.hex64(checksumNode ?? sha256Node, "package.checksum", true);
    const stableNode = fields.get("stable_checksum");
    const stable = stableNode ? this.boolean(stableNode, "package.stable_checksum") : true;
    const textScope: Scope = {
      ...literalScope,
      package: { slug: slug ?? null, version: version ?? null, flavor },
    };
    const name = this.optionalText(fields, "name", { scope: textScope });
    const description = this.optionalText(fields, "description", { scope: textScope });
    // The original format writes `homepage: ""` for packages without one.
    const homepage = this.optionalText(fields, "homepage", { scope: textScope, allowEmpty: true });
    if (this.bag.items.length > errorsBefore && (slug === undefined || version === undefined)) {
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

  /**
   * Slug, version and flavor become parts of ostree refs, which allow only
   * letters, digits, "-", "_" and "." (and "/" between flavor segments): a "+"
   * or "~" that the patterns accept would only fail after the build.
   */
  private refSafe(text: string | undefined, what: string, node: Node | null | undefined): void {
    if (text === undefined) return;
    // No match, the usual case, allocates nothing.
    const unsafe = text.match(REF_UNSAFE_CHAR);
    if (!unsafe || (what !== "flavor" && text.includes("/"))) return;
    const bad = [...new Set(unsafe)];
    if (bad.some((c) => c !== "+" && c !== "~")) return; // the pattern check reports those
    this.bag.error(
      offsetOf(node),
      `${what} "${text}" cannot be part of an ostree ref: ${
        bad.map((c) => `"${c}"`).join(" and ")
      } not allowed`,
      `refs allow letters, digits, "-", "_" and "."; e.g. "${text.replace(/[+~]/g, "-")}"`,
    );
  }

  // ---- vars --------------------------------------------------------------

  private vars(node: Node | null | undefined, scope: Scope): Record<string, unknown> {
    if (node === undefined || isNullNode(node)) return {};
    const map = this.reader.map(node, "`vars`");
    if (!map) return {};
    const items: Array<
      { name: string; value: unknown; where: (path: (string | number)[]) => TextLocator }
    > = [];
    for (const { key, keyNode, value } of this.reader.entries(map, "`vars`")) {
      if (!VAR_NAME_PATTERN.test(key)) {
        this.bag.error(
          offsetOf(keyNode),
          `invalid var name "${key}"`,
          "var names are letters, digits and _, not starting with a digit",
        );
        continue;
      }
      const data = this.reader.toData(value, offsetOf(keyNode));
      if (this.reader.exhausted) return {};
      items.push({ name: key, value: data, where: (path) => this.locatorAt(value, path) });
    }
    if (this.reader.exhausted) return {};
    try {
      return evaluateVars(items, scope, this.budget) as Record<string, unknown>;
    } catch (error) {
      this.report(error);
      return {};
    }
  }

  /** The locator of the scalar at `path` inside `node` (for errors in vars). */
  private locatorAt(node: Node | null, path: (string | number)[]): TextLocator {
    let current: Node | null | undefined = this.reader.resolve(node);
    for (const step of path) {
      if (current && isSeq(current) && typeof step === "number") {
        current = this.reader.resolve(current.items[step] as Node);
      } else if (current && isMap(current)) {
        const pair = current.items.find((p) =>
          isScalar(p.key) && String(p.key.value) === String(step)
        );
        current = this.reader.resolve((pair?.value ?? null) as Node | null);
      } else break;
    }
    if (current && isScalar(current)) return scalarLocator(this.path, this.source, current);
    const offset = offsetOf(current ?? node);
    return { file: this.path, locate: () => this.bag.position(offset) };
  }

  // ---- sources -----------------------------------------------------------

  private sources(node: Node | null | undefined, scope: Scope): SourceSpec[] {
    if (node === undefined || isNullNode(node)) return [];
    const seq = this.reader.seq(node, "`sources`");
    if (!seq) return [];
    const out: SourceSpec[] = [];
    const seen = new Map<string, number>();
    for (const item of seq.items) {
      const map = this.reader.map(item as Node, "each source");
      if (!map) continue;
      const fields = this.fieldMap(map, "a source", SOURCE_KEYS);
      const name = this.requiredText(fields, "name", map, { literal: true, what: "source.name" });
      if (name !== undefined && !SOURCE_NAME_PATTERN.test(name)) {
        this.bag.error(
          offsetOf(fields.get("name")),
          `invalid source name ${JSON.stringify(name)}`,
          'a source name is any text without "/", "=", NUL or a line break, and not "." or ".." (the build sees $SOURCE_<name> and $SOURCE<i>)',
        );
      } else if (name !== undefined && !isPathSegment(name)) {
        // The pattern has done the rest: the name is a directory of the build tree.
        this.bag.error(
          offsetOf(fields.get("name")),
          `source name ${
            JSON.stringify(name.slice(0, 20))
          }… is longer than ${MAX_FILE_NAME_BYTES} bytes`,
          "the name is the source's directory in the build tree",
        );
      }
      if (name !== undefined) {
        if (seen.has(name)) {
          this.bag.error(
            offsetOf(fields.get("name")),
            `duplicate source name "${name}"`,
            `the first one is on line ${this.bag.position(seen.get(name)!).line}`,
          );
        } else seen.set(name, offsetOf(fields.get("name")));
      }
      const url = this.optionalText(fields, "url", { scope, what: "source.url" });
      const file = this.optionalText(fields, "file", { scope, what: "source.file" });
      if (url === undefined && file === undefined && !fields.has("url") && !fields.has("file")) {
        this.bag.error(offsetOf(map), "a source needs `url` or `file`");
      }
      if (fields.has("url") && fields.has("file")) {
        this.bag.error(
          offsetOf(fields.get("file")),
          "a source has either `url` or `file`, not both",
        );
      }
      if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) {
        this.bag.error(
          offsetOf(fields.get("url")),
          `invalid URL ${JSON.stringify(url)}`,
          "sources are fetched over https:// or http:// (the sha256 makes either safe)",
        );
      } else if (url !== undefined) {
        const problem = urlPathProblem(url);
        if (problem !== undefined) {
          this.bag.error(
            offsetOf(fields.get("url")),
            `source URL ${JSON.stringify(url)} ${problem}`,
            "the URL's last path segment becomes a file name; it must not name another path",
          );
        }
      }
      if (file !== undefined) this.filePath(file, fields.get("file"));
      const sha256Node = fields.get("sha256");
      if (!sha256Node) {
        this.bag.error(
          offsetOf(map),
          "missing required key `sha256` in a source",
          "every source is pinned by its sha256",
        );
      }
      const sha256 = sha256Node ? this.hex64(sha256Node, "source.sha256", false) : undefined;
      if (name === undefined || sha256 === undefined || (url === undefined && file === undefined)) {
        continue;
      }
      out.push({
        name,
        url,
        file,
        sha256,
        position: this.bag.position(offsetOf(map)),
      });
    }
    return out;
  }

  /** A `file:` path: relative, and no "..", encoded "/" or NUL, or control character. */
  private filePath(file: string, node: Node | null | undefined): void {
    const problem = file === ""
      ? "is empty"
      : file.startsWith("/")
      ? "is absolute"
      : pathTextProblem(file);
    if (problem === undefined) return;
    this.bag.error(
      offsetOf(node),
      `file path ${JSON.stringify(file)} ${problem}`,
      "a file source is a path relative to the manifest, the workspace or a mirror directory, " +
        "and it must stay inside them",
    );
  }

  // ---- dependencies ------------------------------------------------------

  private dependencies(node: Node | null | undefined, scope: Scope): DependencySpec[] {
    if (node === undefined || isNullNode(node)) return [];
    const seq = this.reader.seq(node, "`dependencies`");
    if (!seq) return [];
    const out: DependencySpec[] = [];
    const seen = new Map<string, { identity: string; offset: number }>();
    for (const item of seq.items) {
      const map = this.reader.map(item as Node, "each dependency");
      if (!map) continue;
      const fields = this.fieldMap(map, "a dependency", DEPENDENCY_KEYS);
      const name = this.requiredText(fields, "name", map, { scope, what: "dependency.name" });
      const version = this.optionalText(fields, "version", { scope, what: "dependency.version" });
      const flavor = this.optionalText(fields, "flavor", { scope, what: "dependency.flavor" });
      const bundle = this.optionalText(fields, "bundle", { scope, what: "dependency.bundle" });
      const commit = this.optionalText(fields, "commit", { scope, what: "dependency.commit" });
      if (
        commit !== undefined &&
        (version !== undefined || flavor !== undefined || bundle !== undefined)
      ) {
        this.bag.error(
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
          this.bag.warning(
            offsetOf(map),
            `dependency "${name}" is listed twice`,
            `the first one is on line ${
              this.bag.position(earlier.offset).line
            }; it is one dependency`,
          );
        } else {
          this.bag.error(
            offsetOf(fields.get("name")),
            `duplicate dependency "${name}"`,
            `the first one, on line ${
              this.bag.position(earlier.offset).line
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
        position: this.bag.position(offsetOf(map)),
      });
    }
    return out;
  }

  // ---- build -------------------------------------------------------------

  private build(node: Node | null, scope: Scope): BuildSpec | undefined {
    const map = this.reader.map(node, "`build`");
    if (!map) return undefined;
    const fields = this.fieldMap(map, "`build`", BUILD_KEYS);
    let sandbox: SandboxMode = "hermetic";
    const sandboxText = this.optionalText(fields, "sandbox", {
      literal: true,
      what: "build.sandbox",
    });
    if (sandboxText !== undefined) {
      if (sandboxText === "hermetic" || sandboxText === "host") sandbox = sandboxText;
      else {
        this.bag.error(
          offsetOf(fields.get("sandbox")),
          `invalid build.sandbox "${sandboxText}"`,
          closestNames(sandboxText, ["hermetic", "host"]).length > 0
            ? `did you mean "${closestNames(sandboxText, ["hermetic", "host"])[0]}"?`
            : 'use "hermetic" (the default) or "host"',
        );
      }
    }
    const env = this.envMap(fields.get("env"), "build.env", scope);
    const epochNode = fields.get("source_date_epoch");
    const sourceDateEpoch = epochNode
      ? this.integer(epochNode, "build.source_date_epoch", 0)
      : undefined;
    const timeoutNode = fields.get("timeout");
    const timeout = timeoutNode ? this.integer(timeoutNode, "build.timeout", 1) : undefined;
    const limits = readLimits(this.reader, this.bag, fields.get("limits"), "build.limits");
    const shell = this.optionalText(fields, "shell", { scope, what: "build.shell" });
    if (shell !== undefined && !shell.startsWith("/")) {
      this.bag.error(
        offsetOf(fields.get("shell")),
        `build.shell must be an absolute path, got "${shell}"`,
      );
    }
    const script = this.requiredText(fields, "script", map, { scope, what: "build.script" });
    if (script === undefined) return undefined;
    return { sandbox, env, sourceDateEpoch, script, shell, timeout, limits };
  }

  /** A map of environment variable names to text. */
  envMap(node: Node | null | undefined, what: string, scope: Scope): Record<string, string> {
    const env: Record<string, string> = {};
    if (node === undefined || isNullNode(node)) return env;
    const map = this.reader.map(node, `\`${what}\``);
    if (!map) return env;
    for (const { key, keyNode, value } of this.reader.entries(map, `\`${what}\``)) {
      if (!ENV_NAME_PATTERN.test(key)) {
        this.bag.error(offsetOf(keyNode), `invalid environment variable name "${key}"`);
        continue;
      }
      const text = this.text(value, `${what}.${key}`, { scope, allowEmpty: true });
      if (text !== undefined) env[key] = text;
    }
    return env;
  }

  // ---- outputs and bundles -----------------------------------------------

  private outputs(
    node: Node | null | undefined,
    scope: Scope,
  ): { values: Record<string, string[]>; offsets: Map<string, number> } {
    const values: Record<string, string[]> = {};
    const offsets = new Map<string, number>();
    if (node === undefined || isNullNode(node)) return { values, offsets };
    const map = this.reader.map(node, "`outputs`");
    if (!map) return { values, offsets };
    for (const { key, keyNode, value } of this.reader.entries(map, "`outputs`")) {
      if (!OUTPUT_NAME_PATTERN.test(key)) {
        this.bag.error(
          offsetOf(keyNode),
          `invalid output name "${key}"`,
          "output names are letters, digits and . _ -",
        );
        continue;
      }
      offsets.set(key, offsetOf(keyNode));
      const paths = this.textList(value, `outputs.${key}`, scope);
      for (const { text, offset } of paths) {
        if (!text.startsWith("/")) {
          this.bag.error(
            offset,
            `output path "${text}" is not absolute`,
            `paths are inside OUT_DIR and start with "/", e.g. "/${text.replace(/^\.?\/*/, "")}"`,
          );
        } else {
          const problem = pathTextProblem(text);
          if (problem !== undefined) {
            this.bag.error(offset, `output path ${JSON.stringify(text)} ${problem}`);
          }
        }
      }
      values[key] = paths.map((p) => p.text);
    }
    return { values, offsets };
  }

  private bundles(
    node: Node | null | undefined,
    scope: Scope,
    outputs: { values: Record<string, string[]> },
  ): Record<string, string[]> {
    const bundles: Record<string, string[]> = {};
    if (node === undefined || isNullNode(node)) return bundles;
    const map = this.reader.map(node, "`bundles`");
    if (!map) return bundles;
    const known = Object.keys(outputs.values).filter((name) => name !== "discard");
    for (const { key, keyNode, value } of this.reader.entries(map, "`bundles`")) {
      if (!OUTPUT_NAME_PATTERN.test(key)) {
        this.bag.error(
          offsetOf(keyNode),
          `invalid bundle name "${key}"`,
          "bundle names are letters, digits and . _ -",
        );
        continue;
      }
      const members = this.textList(value, `bundles.${key}`, scope);
      for (const { text, offset } of members) {
        if (text === "discard") {
          this.bag.error(
            offset,
            `bundle "${key}" lists "discard"`,
            "discarded files are in no bundle",
          );
        } else if (!known.includes(text)) {
          const close = closestNames(text, known);
          this.bag.error(
            offset,
            `bundle "${key}" names unknown output "${text}"`,
            close.length > 0
              ? `did you mean "${close[0]}"?`
              : known.length > 0
              ? `outputs: ${known.join(", ")}`
              : "this manifest declares no `outputs`",
          );
        }
      }
      bundles[key] = members.map((m) => m.text);
    }
    return bundles;
  }

  // ---- field readers -----------------------------------------------------

  private fieldMap(
    map: YAMLMap,
    what: string,
    allowed: readonly string[],
  ): Map<string, Node | null> {
    const fields = new Map<string, Node | null>();
    for (const { key, value } of this.reader.entries(map, what, allowed)) fields.set(key, value);
    return fields;
  }

  private resolvedScalar(node: Node | null | undefined): Scalar | undefined {
    const resolved = this.reader.resolve(node);
    return resolved && isScalar(resolved) ? resolved : undefined;
  }

  private requiredText(
    fields: Map<string, Node | null>,
    key: string,
    parent: Node,
    options: TextOptions,
  ): string | undefined {
    const what = options.what ?? `${key}`;
    if (!fields.has(key)) {
      this.bag.error(offsetOf(parent), `missing required key \`${what}\``);
      return undefined;
    }
    return this.text(fields.get(key), what, options);
  }

  private optionalText(
    fields: Map<string, Node | null>,
    key: string,
    options: TextOptions,
  ): string | undefined {
    if (!fields.has(key)) return undefined;
    return this.text(fields.get(key), options.what ?? key, options);
  }

  /** A scalar as text: numbers as written, templates expanded unless literal. */
  text(node: Node | null | undefined, what: string, options: TextOptions): string | undefined {
    const scalar = this.resolvedScalar(node);
    if (!scalar || scalar.value === null || typeof scalar.value === "object") {
      this.bag.error(
        offsetOf(node),
        `${what} must be text, got ${describeNode(this.reader.resolve(node))}`,
      );
      return undefined;
    }
    if (typeof scalar.value !== "string") return scalarText(scalar);
    const raw = scalar.value;
    if (!hasTemplate(raw)) return checkEmpty(this, raw, node, what, options);
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
    return checkEmpty(this, value === null ? "" : String(value), node, what, options);
  }

  /** A list of texts; a single template giving a list is accepted too. */
  private textList(
    node: Node | null | undefined,
    what: string,
    scope: Scope,
  ): Array<{ text: string; offset: number }> {
    const resolved = this.reader.resolve(node);
    if (
      resolved && isScalar(resolved) && typeof resolved.value === "string" &&
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
      const text = this.text(item as Node, `an entry of ${what}`, { scope });
      if (text !== undefined) out.push({ text, offset: offsetOf(item as Node) });
    }
    return out;
  }

  private expand(scalar: Scalar, scope: Scope): Value | undefined {
    try {
      return expandTemplate(
        scalar.value as string,
        scope,
        scalarLocator(this.path, this.source, scalar),
        this.budget,
      );
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  private report(error: unknown): void {
    if (error instanceof TwonexError) this.bag.add(diagnosticOfError(error, this.path));
    else throw error;
  }

  private hex64(
    node: Node | null | undefined,
    what: string,
    allowNull: boolean,
  ): string | undefined {
    if (node === undefined) return undefined;
    const scalar = this.resolvedScalar(node);
    if (allowNull && scalar && scalar.value === null) return undefined;
    // A hash of digits only is a number to YAML: use the text as written.
    const value = scalar && scalar.value !== null && typeof scalar.value !== "object"
      ? scalarText(scalar)
      : undefined;
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

  private boolean(node: Node | null, what: string): boolean | undefined {
    const scalar = this.resolvedScalar(node);
    if (scalar && typeof scalar.value === "boolean") return scalar.value;
    this.bag.error(
      offsetOf(node),
      `${what} must be true or false, got ${describeNode(this.reader.resolve(node))}`,
    );
    return undefined;
  }

  private integer(node: Node | null, what: string, min: number): number | undefined {
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

interface TextOptions {
  literal?: boolean;
  scope?: Scope;
  what?: string;
  allowEmpty?: boolean;
}

function checkEmpty(
  validator: ManifestValidator,
  text: string,
  node: Node | null | undefined,
  what: string,
  options: TextOptions,
): string | undefined {
  if (text === "" && !options.allowEmpty) {
    validator.bag.error(offsetOf(node), `${what} must not be empty`);
    return undefined;
  }
  return text;
}

/** The `package` map as the expression scope sees it. */
function packageValue(pkg: PackageInfo): Value {
  return {
    schema: 1,
    name: pkg.name ?? null,
    slug: pkg.slug,
    version: pkg.version,
    flavor: pkg.flavor,
    description: pkg.description ?? null,
    homepage: pkg.homepage ?? null,
    checksum: pkg.checksum ?? null,
    stable_checksum: pkg.stableChecksum,
  };
}

/** Where the build sees a source: `/2nex/sources/<name>/<file name>`. */
export function sourceSandboxPath(source: { name: string; url?: string; file?: string }): string {
  return `/2nex/sources/${source.name}/${sourceFileName(source)}`;
}

/** The expression scope of a loaded manifest, as its templates saw it (for `2nex eval --package`). */
export function manifestScope(m: Manifest, options: ValidateOptions = {}): Scope {
  const arch = options.hostArch ?? "x86_64";
  return {
    package: packageValue(m.package),
    vars: m.vars as Value,
    sources: sourcesValue(m.sources),
    deps: depsValue(m.dependencies, options),
    host: { arch },
    target: options.target ?? `${arch}-pc-linux-gnu`,
  };
}

/**
 * The `deps` map of the expression scope. Its keys are dependency names, which
 * differ from one manifest to the next: an object without a prototype is a
 * dictionary from the start, where an object literal (or Object.fromEntries)
 * would make the engine build a new hidden class for every manifest.
 */
function depsValue(dependencies: DependencySpec[], options: ValidateOptions): Value {
  const deps: Record<string, Value> = Object.create(null);
  for (const dep of dependencies) {
    const entry = options.dependencyInfo?.(dep) ?? {
      slug: dep.name,
      version: dep.version ?? null,
      flavor: dep.flavor ?? null,
      bundle: dep.bundle ?? null,
      hash: null,
    };
    deps[dep.name] = entry as unknown as Value;
  }
  return deps;
}

function sourcesValue(sources: SourceSpec[]): Value {
  return Object.fromEntries(
    sources.map((s) => [s.name, {
      name: s.name,
      url: s.url ?? null,
      file: s.file ?? null,
      sha256: s.sha256,
      path: sourceSandboxPath(s),
    }]),
  );
}
