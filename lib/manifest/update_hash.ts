/**
 * `build --update-hash`: writes an output hash into a manifest's
 * `package.checksum` (or its alias `sha256`, whichever is there) by editing the
 * text in place, so comments, quoting and layout stay exactly as written.
 * @module
 */
import { isMap, isScalar, loadYamlLibrary, type YamlLibrary } from "./yaml_library.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { FailureError } from "../util/errors.ts";

/** The manifest text with `package.checksum` set to `hash`, found with the YAML `library`'s nodes. */
export function withChecksum(text: string, hash: string, library: YamlLibrary): string {
  const { LineCounter, parseDocument } = library;
  const doc = parseDocument(text, { lineCounter: new LineCounter() });
  const top = doc.contents;
  if (!isMap(top)) throw new FailureError("cannot update the hash: the manifest is not a map");
  const pkgPair = top.items.find((p) => isScalar(p.key) && p.key.value === "package");
  const pkg = pkgPair?.value;
  if (!pkgPair || !isMap(pkg)) throw new FailureError("cannot update the hash: no `package` map");
  const existing = pkg.items.find((p) =>
    isScalar(p.key) && (p.key.value === "checksum" || p.key.value === "sha256")
  );
  if (
    existing && isScalar(existing.value) && existing.value.value !== null && existing.value.range
  ) {
    const [start, end] = existing.value.range;
    // Keep the quotes of a quoted scalar: only the hash changes.
    const quoted = existing.value.type === "QUOTE_DOUBLE" || existing.value.type === "QUOTE_SINGLE";
    return quoted
      ? text.slice(0, start + 1) + hash + text.slice(end - 1)
      : text.slice(0, start) + hash + text.slice(end);
  }
  if (existing && isScalar(existing.key) && existing.key.range) {
    // `checksum:` with no value: put the hash right after the colon.
    const keyEnd = existing.key.range[1];
    const colon = text.indexOf(":", keyEnd);
    return text.slice(0, colon + 1) + " " + hash + text.slice(colon + 1);
  }
  if (pkg.flow || !pkg.range) {
    throw new FailureError("cannot update the hash of a `package` written in flow style", {
      hint: "add `checksum:` to the package map by hand",
    });
  }
  // Insert a new line after the last line of the package map, indented like its keys.
  const firstKey = pkg.items[0]?.key;
  const keyStart = isScalar(firstKey) && firstKey.range ? firstKey.range[0] : pkg.range[0];
  const lineStart = text.lastIndexOf("\n", keyStart - 1) + 1;
  const indent = text.slice(lineStart, keyStart);
  const lastValue = pkg.items[pkg.items.length - 1]?.value;
  const end = isScalar(lastValue) && lastValue.range ? lastValue.range[1] : pkg.range[1];
  // A block scalar's range ends after its final newline; insert before that newline.
  const lineEnd = text[end - 1] === "\n" ? end - 1 : text.indexOf("\n", end);
  const at = lineEnd === -1 ? text.length : lineEnd;
  return text.slice(0, at) + `\n${indent}checksum: ${hash}` + text.slice(at);
}

/** Rewrites the manifest file at `path` with `hash` as its expected output hash. */
export async function updateManifestHash(path: string, hash: string): Promise<void> {
  const text = await Deno.readTextFile(path);
  await writeFileAtomic(path, withChecksum(text, hash, await loadYamlLibrary()));
}
