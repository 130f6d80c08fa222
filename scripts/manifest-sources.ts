/**
 * Lists the sources of every manifest under the given directories (and of the
 * manifest files given by name), one per line, tab-separated: manifest path,
 * slug, source name, mirror file name, sha256, and for a `file:` source its path
 * next to the manifest ("-" for a `url:` source). `scripts/vendor-debian.sh` reads this list to know which files it
 * must provide and under which name (the name a directory mirror is searched
 * by: a `url:`'s last path segment, a `file:`'s base name).
 *
 * This is a helper of a shell script, not part of 2nex: it resolves only the
 * `${{ package.KEY }}` and `${{ vars.NAME }}` expressions that file names use in
 * practice, and prints "?" as the file name when a name needs more than that,
 * so that the caller can say which source it could not place. File names come
 * from 2nex's own lib/source/file_name.ts, so a name is never a path.
 *
 * Usage: deno run --allow-read scripts/manifest-sources.ts DIR_OR_FILE…
 *
 * @module
 */
import { parse } from "yaml";
import { localFileName, urlFileName } from "../lib/source/mod.ts";

/** One source of one manifest, as the vendor script needs it. */
export interface ListedSource {
  manifest: string;
  slug: string;
  name: string;
  /** File name in a mirror directory; "?" when it cannot be resolved here. */
  fileName: string;
  sha256: string;
  /** A `file:` source's path resolved against the manifest's directory. */
  localPath?: string;
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;
const SIMPLE_PATH = /^(package|vars)\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** A value from the YAML document, narrowed by the checks below. */
type Yaml = unknown;

function isRecord(value: Yaml): value is Record<string, Yaml> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function scalarText(value: Yaml): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * Replaces `${{ package.KEY }}` and `${{ vars.NAME }}` in `text`; undefined when
 * another expression, an unknown name or a cycle is met. `depth` bounds
 * vars that refer to each other.
 */
export function substitute(
  text: string,
  pkg: Record<string, Yaml>,
  vars: Record<string, Yaml>,
  depth = 0,
): string | undefined {
  if (depth > 32) return undefined;
  let failed = false;
  const result = text.replace(EXPRESSION, (_whole, inner: string) => {
    const match = SIMPLE_PATH.exec(inner);
    const raw = match ? scalarText((match[1] === "package" ? pkg : vars)[match[2]]) : undefined;
    const value = raw === undefined ? undefined : substitute(raw, pkg, vars, depth + 1);
    if (value === undefined) failed = true;
    return value ?? "";
  });
  return failed ? undefined : result.replaceAll("$${{", "${{");
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : path.slice(0, slash) || "/";
}

/** The sources of one parsed manifest document. */
export function listSources(manifest: string, doc: Yaml): ListedSource[] {
  if (!isRecord(doc) || !isRecord(doc.package)) return [];
  const pkg = doc.package;
  const vars = isRecord(doc.vars) ? doc.vars : {};
  const slug = scalarText(pkg.slug) ?? "?";
  const sources = Array.isArray(doc.sources) ? doc.sources : [];
  const listed: ListedSource[] = [];
  for (const source of sources) {
    if (!isRecord(source)) continue;
    const sha256 = scalarText(source.sha256)?.toLowerCase();
    if (sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) continue;
    const name = scalarText(source.name) ?? "?";
    const url = scalarText(source.url);
    const file = scalarText(source.file);
    let fileName: string | undefined;
    let localPath: string | undefined;
    if (url !== undefined) {
      const resolved = substitute(url, pkg, vars);
      fileName = resolved === undefined ? undefined : urlFileName(resolved);
    } else if (file !== undefined) {
      const resolved = substitute(file, pkg, vars);
      fileName = resolved === undefined ? undefined : localFileName(resolved);
      if (resolved !== undefined) {
        localPath = resolved.startsWith("/") ? resolved : `${dirOf(manifest)}/${resolved}`;
      }
    }
    listed.push({ manifest, slug, name, fileName: fileName || "?", sha256, localPath });
  }
  return listed;
}

/**
 * The manifest files under `dir`, recursively and sorted by name; `dir` itself
 * when it is a file (a caller may name single manifests, as CI does to leave out
 * a subdirectory).
 */
export async function* manifestFiles(dir: string): AsyncGenerator<string> {
  if ((await Deno.stat(dir)).isFile) {
    yield dir;
    return;
  }
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* manifestFiles(path);
    else if (entry.isFile && /\.ya?ml$/.test(entry.name)) yield path;
  }
}

async function main(dirs: string[]): Promise<number> {
  if (dirs.length === 0) {
    console.error("usage: manifest-sources.ts DIR_OR_FILE…");
    return 2;
  }
  for (const dir of dirs) {
    for await (const path of manifestFiles(dir.replace(/\/+$/, ""))) {
      let doc: Yaml;
      try {
        doc = parse(await Deno.readTextFile(path));
      } catch (error) {
        // Not this helper's job to validate manifests (`2nex lint` does): skip it, say so.
        console.error(`warning: ${path}: not readable as YAML: ${String(error)}`);
        continue;
      }
      for (const s of listSources(path, doc)) {
        const fields = [s.manifest, s.slug, s.name, s.fileName, s.sha256, s.localPath ?? "-"];
        console.log(fields.join("\t"));
      }
    }
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
