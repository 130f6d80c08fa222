/**
 * Package selectors (SPEC section 2): a manifest path, `SLUG`, `SLUG@VERSION`,
 * narrowed by `--flavor`, and `SLUG@VERSION:FLAVOR`, the name `graph` prints. Unknown or ambiguous selectors are errors (exit 2)
 * that list the candidates or the closest names.
 * @module
 */
import { resolve } from "node:path";
import { displayPath, type Manifest } from "../manifest/mod.ts";
import { InvalidInputError } from "../util/mod.ts";
import { closestNames } from "../expr/mod.ts";

export interface SelectOptions {
  flavor?: string;
  cwd: string;
  /** Paths of manifests that exist but failed to load, to explain a selector that names one. */
  failed?: string[];
}

/**
 * `SLUG@VERSION:FLAVOR`, the full name of a package as `graph` and build
 * summaries print it. Versions never contain ":" and slugs never "@", so the
 * first "@" and the first ":" after it split it unambiguously.
 */
const FULL_NAME = /^([^@/:]+)@([^@/:]+):([^@:]+)$/;

/** The slug, version and flavor of a full package name; undefined for any other selector. */
export function parseFullName(
  selector: string,
): { slug: string; version: string; flavor: string } | undefined {
  if (/\.ya?ml$/.test(selector)) return undefined;
  const match = FULL_NAME.exec(selector);
  return match ? { slug: match[1], version: match[2], flavor: match[3] } : undefined;
}

/** True when the selector is meant as a file path rather than a slug. */
export function looksLikePath(selector: string): boolean {
  if (parseFullName(selector)) return false;
  return selector.includes("/") || /\.ya?ml$/.test(selector);
}

/** Resolves one selector to exactly one manifest. */
export function selectPackage(
  manifests: Manifest[],
  selector: string,
  options: SelectOptions,
): Manifest {
  if (looksLikePath(selector)) {
    const path = resolve(options.cwd, selector);
    const match = manifests.find((m) => m.path === path);
    if (match) return match;
    if (options.failed?.includes(path)) {
      throw new InvalidInputError(`manifest ${selector} has errors`, {
        hint: `run \`2nex lint ${selector}\``,
      });
    }
    if (!selector.includes("@") || /\.ya?ml$/.test(selector)) {
      throw new InvalidInputError(`no manifest at ${selector} in this workspace`, {
        hint: "a manifest path must lie in one of the workspace's `manifests` directories",
      });
    }
  }
  const full = parseFullName(selector);
  if (full && options.flavor !== undefined && options.flavor !== full.flavor) {
    throw new InvalidInputError(
      `"${selector}" names flavor ${full.flavor}, but --flavor ${options.flavor} was given`,
      { hint: "drop --flavor, or the :FLAVOR part of the name" },
    );
  }
  const at = selector.lastIndexOf("@");
  const slug = full?.slug ?? (at > 0 ? selector.slice(0, at) : selector);
  const version = full?.version ?? (at > 0 ? selector.slice(at + 1) : undefined);
  const flavor = full?.flavor ?? options.flavor;
  const bySlug = manifests.filter((m) => m.package.slug === slug);
  if (bySlug.length === 0) {
    const close = closestNames(slug, [...new Set(manifests.map((m) => m.package.slug))]);
    const failed = options.failed?.length ?? 0;
    const broken = failed > 0
      ? `${failed} manifest${
        failed === 1 ? " has" : "s have"
      } errors and could not be loaded (run \`2nex lint\`)`
      : undefined;
    const suggestion = close.length > 0
      ? `did you mean ${close.map((c) => `"${c}"`).join(" or ")}?`
      : undefined;
    throw new InvalidInputError(`unknown package "${slug}"`, {
      hint: [suggestion, broken].filter(Boolean).join("; ") || undefined,
    });
  }
  const candidates = bySlug.filter((m) =>
    (version === undefined || m.package.version === version) &&
    (flavor === undefined || m.package.flavor === flavor)
  );
  if (candidates.length === 1) return candidates[0];
  const describe = (list: Manifest[]) =>
    list.map((m) => `  ${describeManifest(m)}  (${displayPath(m.path, options.cwd)})`).join("\n");
  if (candidates.length === 0) {
    throw new InvalidInputError(
      `no package "${slug}"${version ? ` at version ${version}` : ""}${
        flavor ? ` in flavor ${flavor}` : ""
      }`,
      { hint: `candidates:\n${describe(bySlug)}` },
    );
  }
  throw new InvalidInputError(`"${selector}" is ambiguous: ${candidates.length} packages match`, {
    hint: `narrow it with SLUG@VERSION, --flavor or a manifest path; candidates:\n${
      describe(candidates)
    }`,
  });
}

/** `slug@version (flavor)` for messages. */
export function describeManifest(m: Manifest): string {
  return `${m.package.slug}@${m.package.version} (${m.package.flavor})`;
}
