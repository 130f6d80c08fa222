/**
 * The corpus of broken manifests: each file states, in its first comment lines,
 * the exact diagnostic (line, column, severity, message prefix) and hint that
 * loading it must produce.
 */
import assert from "node:assert/strict";
import { loadManifestFile } from "../../lib/manifest/load.ts";
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const corpus = fromFileUrl(new URL("../fixtures/bad-manifests/", import.meta.url));
const files = [...Deno.readDirSync(corpus)].map((e) => e.name).filter((n) => n.endsWith(".yaml"))
  .sort();

Deno.test("the bad-manifest corpus has at least 30 cases", () => {
  assert(files.length >= 30, `only ${files.length} cases`);
});

for (const name of files) {
  Deno.test(`bad manifest ${name}`, async () => {
    const path = join(corpus, name);
    const text = await Deno.readTextFile(path);
    const expect = text.match(/^# expect: (\d+):(\d+): (error|warning): (.*)$/m);
    assert(expect, `${name} has no "# expect:" line`);
    const hint = text.match(/^# hint: (.*)$/m)?.[1];
    const [, line, col, severity, message] = expect;
    const { manifest, diagnostics } = await loadManifestFile(path);
    assert.equal(manifest, undefined, "a broken manifest must not load");
    const match = diagnostics.find((d) =>
      d.line === Number(line) && d.col === Number(col) && d.severity === severity &&
      d.message.startsWith(message)
    );
    assert(
      match,
      `expected ${line}:${col}: ${severity}: ${message}\ngot:\n${
        diagnostics.map((d) => `  ${d.line}:${d.col}: ${d.severity}: ${d.message}`).join("\n")
      }`,
    );
    if (hint !== undefined) assert.equal(match.hint, hint);
    assert.equal(match.file, path);
  });
}
