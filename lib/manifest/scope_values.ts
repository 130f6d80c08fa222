/**
 * What a manifest's `${{ }}` templates see of it (EXPRESSIONS.md): the
 * `package`, `sources` and `deps` maps of the expression scope.
 * @module
 */
import type { DependencySpec, Manifest, PackageInfo, SourceSpec } from "./types.ts";
import type { Scope, Value } from "../expr/mod.ts";
import { sourceFileName } from "../source/mod.ts";
import { SandboxPaths } from "../sandbox/mod.ts";

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

/** `host` and `target` of the scope, which every template sees. */
export function hostScope(options: ValidateOptions): Scope {
  const arch = options.hostArch ?? "x86_64";
  return { host: { arch }, target: options.target ?? `${arch}-pc-linux-gnu` };
}

/** The `package` map as the expression scope sees it. */
export function packageValue(pkg: PackageInfo): Value {
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
  return `${SandboxPaths.sources}/${source.name}/${sourceFileName(source)}`;
}

/** The expression scope of a loaded manifest, as its templates saw it (for `2nex eval --package`). */
export function manifestScope(m: Manifest, options: ValidateOptions = {}): Scope {
  return {
    package: packageValue(m.package),
    vars: m.vars as Value,
    sources: sourcesValue(m.sources),
    deps: depsValue(m.dependencies, options),
    ...hostScope(options),
  };
}

/**
 * The `deps` map of the expression scope. Its keys are dependency names, which
 * differ from one manifest to the next: an object without a prototype is a
 * dictionary from the start, where an object literal (or Object.fromEntries)
 * would make the engine build a new hidden class for every manifest.
 */
export function depsValue(dependencies: DependencySpec[], options: ValidateOptions): Value {
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

export function sourcesValue(sources: SourceSpec[]): Value {
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
