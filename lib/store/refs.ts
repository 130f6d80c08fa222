/**
 * Ref names of the repository (SPEC section 6): the whole result of a package at
 * `ARCH/SLUG/VERSION/FLAVOR/tree`, each output at `…/outputs/NAME`, each bundle at
 * `…/bundles/NAME`, and the cache index `2nex/inputs/<input key>`.
 *
 * @example
 * ```ts
 * const refs = packageRefs({ arch: "x86_64", slug: "m4", version: "1.4.19", flavor: "main" });
 * refs.bundle("dev"); // "x86_64/m4/1.4.19/main/bundles/dev"
 * ```
 * @module
 */
import { hostArch, InvalidInputError } from "../util/mod.ts";
import type { PackageId } from "../manifest/mod.ts";

/** The refs of one package. */
export interface PackageRefs {
  /** The whole result (the out dir after discarded files are removed). */
  tree: string;
  output(name: string): string;
  bundle(name: string): string;
}

/** What a package ref names, as read back by {@link parsePackageRef}. */
export interface ParsedPackageRef extends PackageId {
  kind: "tree" | "outputs" | "bundles";
  /** The output or bundle name; absent for `tree`. */
  name?: string;
}

/** Prefix of the cache index refs (input key → commit of the whole result). */
export const INPUT_KEY_PREFIX = "2nex/inputs/";

/** One ref segment as ostree accepts it: `[-._A-Za-z0-9]+` (ASCII `\w` plus `-` and `.`). */
const SEGMENT = /^[-._A-Za-z0-9]+$/;

/**
 * Why `ref` is not a valid ref, or undefined when it is. Ostree's rule is
 * `([-._\w]+/)*[-._\w]+`; we also refuse `.` and `..` segments because refs are
 * files under `refs/heads/`, and a ref must never leave that directory.
 */
export function refProblem(ref: string): string | undefined {
  if (ref === "") return "a ref cannot be empty";
  for (const segment of ref.split("/")) {
    if (segment === "") return `ref "${ref}" has an empty segment`;
    if (segment === "." || segment === "..") return `ref "${ref}" has a "${segment}" segment`;
    if (!SEGMENT.test(segment)) {
      return `ref "${ref}" has characters ostree does not allow in "${segment}" ` +
        `(only letters, digits, "-", "_" and ".")`;
    }
  }
  return undefined;
}

/** Throws InvalidInputError unless `ref` is a valid ref; returns it otherwise. */
export function validateRef(ref: string): string {
  const problem = refProblem(ref);
  if (problem !== undefined) throw new InvalidInputError(problem);
  return ref;
}

/** Valid refs as one pattern (the `.` and `..` segments aside), for the common case. */
const VALID_REF = /^[-._A-Za-z0-9]+(?:\/[-._A-Za-z0-9]+)*$/;
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** True when `ref` is a syntactically valid ref: what refProblem finds nothing wrong with. */
export function isValidRef(ref: string): boolean {
  return VALID_REF.test(ref) && !DOT_SEGMENT.test(ref);
}

/**
 * The refs of a package. Throws InvalidInputError when a part cannot appear in
 * an ostree ref (e.g. a `+` in a slug or `:` in a version), or when the flavor
 * would make the refs ambiguous (a last flavor segment `outputs` or `bundles`).
 */
export function packageRefs(id: PackageId): PackageRefs {
  const base = packageBase(id);
  return {
    tree: `${base}/tree`,
    output: (name) => named(base, "outputs", name),
    bundle: (name) => named(base, "bundles", name),
  };
}

function packageBase(id: PackageId): string {
  const parts: Array<[string, string]> = [
    ["arch", id.arch],
    ["slug", id.slug],
    ["version", id.version],
  ];
  for (const [what, value] of parts) {
    if (value.includes("/") || !isValidRef(value)) {
      throw new InvalidInputError(`${what} "${value}" cannot be part of an ostree ref`, {
        hint: 'refs allow only letters, digits, "-", "_" and "."',
      });
    }
  }
  // The one-pattern check first: refProblem splits and tests each segment, which a no-op
  // build of 1,000 packages paid ~4 ms for.
  if (!isValidRef(id.flavor) && refProblem(id.flavor) !== undefined) {
    throw new InvalidInputError(`flavor "${id.flavor}" cannot be part of an ostree ref`, {
      hint: 'flavors are "/"-separated segments of letters, digits, "-", "_" and "."',
    });
  }
  const last = id.flavor.split("/").at(-1);
  if (last === "outputs" || last === "bundles") {
    throw new InvalidInputError(
      `flavor "${id.flavor}" cannot end in "${last}": its refs would be ambiguous`,
    );
  }
  return `${id.arch}/${id.slug}/${id.version}/${id.flavor}`;
}

function named(base: string, kind: "outputs" | "bundles", name: string): string {
  if (name.includes("/") || !isValidRef(name)) {
    throw new InvalidInputError(`${kind.slice(0, -1)} name "${name}" cannot be part of a ref`, {
      hint: 'names allow only letters, digits, "-", "_" and "."',
    });
  }
  return `${base}/${kind}/${name}`;
}

/**
 * Reads a package ref back. The flavor is everything between the version and the
 * trailing `outputs/NAME`, `bundles/NAME` or `tree` (in that order of preference).
 * Returns undefined for anything that is not a valid package ref.
 */
export function parsePackageRef(ref: string): ParsedPackageRef | undefined {
  if (!isValidRef(ref) || ref.startsWith(INPUT_KEY_PREFIX)) return undefined;
  const segments = ref.split("/");
  const n = segments.length;
  const [arch, slug, version] = segments;
  if (n >= 6 && (segments[n - 2] === "outputs" || segments[n - 2] === "bundles")) {
    const kind = segments[n - 2] as "outputs" | "bundles";
    const flavor = segments.slice(3, n - 2).join("/");
    return { arch, slug, version, flavor, kind, name: segments[n - 1] };
  }
  if (n >= 5 && segments[n - 1] === "tree") {
    return { arch, slug, version, flavor: segments.slice(3, n - 1).join("/"), kind: "tree" };
  }
  return undefined;
}

/** The cache index ref of an input key: `2nex/inputs/<key>`. */
export function inputKeyRef(key: string): string {
  if (key.includes("/") || !isValidRef(key)) {
    throw new InvalidInputError(`input key "${key}" cannot be part of a ref`);
  }
  return INPUT_KEY_PREFIX + key;
}

type PackageNames = Pick<PackageId, "slug" | "version" | "flavor">;

/**
 * The refs of each package object asked for in this process: a no-op build
 * asks for every package's refs several times, and building and checking the
 * names each time showed in its profile. Keyed by the object (a loaded
 * manifest's package), and checked against its names in case they changed.
 */
const knownPackageRefs = new WeakMap<PackageNames, PackageRefs & PackageId>();

/** The refs of a manifest's package on this host's architecture. */
export function refsOfPackage(pkg: PackageNames): PackageRefs {
  const arch = hostArch();
  const known = knownPackageRefs.get(pkg);
  if (
    known && known.arch === arch && known.slug === pkg.slug && known.version === pkg.version &&
    known.flavor === pkg.flavor
  ) {
    return known;
  }
  const id = { arch, slug: pkg.slug, version: pkg.version, flavor: pkg.flavor };
  const refs = packageRefs(id);
  const outputs = new Map<string, string>();
  const bundles = new Map<string, string>();
  const remembered = {
    ...id,
    tree: refs.tree,
    output: (name: string) => outputs.get(name) ?? outputs.set(name, refs.output(name)).get(name)!,
    bundle: (name: string) => bundles.get(name) ?? bundles.set(name, refs.bundle(name)).get(name)!,
  };
  knownPackageRefs.set(pkg, remembered);
  return remembered;
}
