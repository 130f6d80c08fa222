/**
 * `build --update-hash`: writes an output hash into a manifest's
 * `package.checksum` (or its alias `sha256`, whichever is there) by editing the
 * text in place, so comments, quoting and layout stay exactly as written.
 * @module
 */
import { FailureError, writeFileAtomic } from "../util/mod.ts";
import { DiagnosticBag } from "./diagnostics.ts";
import { parseYaml } from "./yaml.ts";
import type { YamlNode, YamlPair } from "./yaml_node.ts";

/** True when `pair`'s key is the text scalar `name`. */
function keyIs(pair: YamlPair, name: string): boolean {
  return pair.key?.kind === "scalar" && pair.key.value === name;
}

/** The manifest `text` with `package.checksum` set to `hash`, found with its YAML nodes. */
export async function withChecksum(text: string, hash: string): Promise<string> {
  const parsed = await parseYaml(text, new DiagnosticBag("manifest", text));
  if (!parsed) {
    throw new FailureError("cannot update the hash: the manifest is not valid YAML", {
      hint: "run `2nex lint` on it",
    });
  }
  const top = parsed.root;
  if (top?.kind !== "map") {
    throw new FailureError("cannot update the hash: the manifest is not a map");
  }
  const pkg: YamlNode | null | undefined = top.pairs.find((p) => keyIs(p, "package"))?.value;
  if (pkg?.kind !== "map") throw new FailureError("cannot update the hash: no `package` map");
  const existing = pkg.pairs.find((p) => keyIs(p, "checksum") || keyIs(p, "sha256"));
  if (existing?.value?.kind === "scalar" && existing.value.value !== null) {
    const [start, end] = existing.value.range;
    // Keep the quotes of a quoted scalar: only the hash changes.
    const quoted = existing.value.style === "QUOTE_DOUBLE" ||
      existing.value.style === "QUOTE_SINGLE";
    return quoted
      ? text.slice(0, start + 1) + hash + text.slice(end - 1)
      : text.slice(0, start) + hash + text.slice(end);
  }
  if (existing?.key) {
    // `checksum:` with no value: put the hash right after the colon.
    const keyEnd = existing.key.range[1];
    const colon = text.indexOf(":", keyEnd);
    return text.slice(0, colon + 1) + " " + hash + text.slice(colon + 1);
  }
  if (pkg.flow) {
    throw new FailureError("cannot update the hash of a `package` written in flow style", {
      hint: "add `checksum:` to the package map by hand",
    });
  }
  // Insert a new line after the last line of the package map, indented like its keys.
  const firstKey = pkg.pairs[0]?.key;
  const keyStart = firstKey?.kind === "scalar" ? firstKey.range[0] : pkg.range[0];
  const lineStart = text.lastIndexOf("\n", keyStart - 1) + 1;
  const indent = text.slice(lineStart, keyStart);
  const lastValue = pkg.pairs[pkg.pairs.length - 1]?.value;
  const end = lastValue?.kind === "scalar" ? lastValue.range[1] : pkg.range[1];
  // A block scalar's range ends after its final newline; insert before that newline.
  const lineEnd = text[end - 1] === "\n" ? end - 1 : text.indexOf("\n", end);
  const at = lineEnd === -1 ? text.length : lineEnd;
  return text.slice(0, at) + `\n${indent}checksum: ${hash}` + text.slice(at);
}

/** Rewrites the manifest file at `path` with `hash` as its expected output hash. */
export async function updateManifestHash(path: string, hash: string): Promise<void> {
  const text = await Deno.readTextFile(path);
  await writeFileAtomic(path, await withChecksum(text, hash));
}
