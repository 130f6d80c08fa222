import assert from "node:assert/strict";
import { withChecksum } from "../../lib/manifest/update_hash.ts";
import { loadYamlLibrary } from "../../lib/manifest/yaml_library.ts";

const HASH = "ab".repeat(32);

// withChecksum edits through the library's document.
const library = await loadYamlLibrary();

Deno.test("--update-hash replaces an existing checksum and keeps everything else", () => {
  const text = `# top comment
package:
  schema: 1
  slug: demo   # trailing comment
  version: "1.0"
  checksum: ${"0".repeat(64)}   # old
build: { script: "true" }
`;
  assert.equal(withChecksum(text, HASH, library), text.replace("0".repeat(64), HASH));
});

Deno.test("--update-hash replaces the sha256 alias in place", () => {
  const text = `package:\n  schema: 1\n  slug: demo\n  version: "1"\n  sha256: "${
    "1".repeat(64)
  }"\nbuild: {script: x}\n`;
  assert.equal(
    withChecksum(text, HASH, library),
    text.replace("1".repeat(64), HASH),
    "quotes stay",
  );
});

Deno.test("--update-hash inserts a checksum line after the package map, indented like it", () => {
  const text = `package:
    schema: 1
    slug: demo
    description: |
      A block scalar
      of two lines
# between
build:
  script: "true"
`;
  assert.equal(
    withChecksum(text, HASH, library),
    `package:
    schema: 1
    slug: demo
    description: |
      A block scalar
      of two lines
    checksum: ${HASH}
# between
build:
  script: "true"
`,
  );
});

Deno.test("--update-hash fills an empty checksum key", () => {
  const text = `package:\n  schema: 1\n  slug: demo\n  checksum:\nbuild: {script: x}\n`;
  assert.equal(
    withChecksum(text, HASH, library),
    `package:\n  schema: 1\n  slug: demo\n  checksum: ${HASH}\nbuild: {script: x}\n`,
  );
});
