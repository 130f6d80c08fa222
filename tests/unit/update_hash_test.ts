import assert from "node:assert/strict";
import { withChecksum } from "../../lib/manifest/update_hash.ts";

const HASH = "ab".repeat(32);

Deno.test("--update-hash replaces an existing checksum and keeps everything else", async () => {
  const text = `# top comment
package:
  schema: 1
  slug: demo   # trailing comment
  version: "1.0"
  checksum: ${"0".repeat(64)}   # old
build: { script: "true" }
`;
  assert.equal(await withChecksum(text, HASH), text.replace("0".repeat(64), HASH));
});

Deno.test("--update-hash replaces the sha256 alias in place", async () => {
  const text = `package:\n  schema: 1\n  slug: demo\n  version: "1"\n  sha256: "${
    "1".repeat(64)
  }"\nbuild: {script: x}\n`;
  assert.equal(
    await withChecksum(text, HASH),
    text.replace("1".repeat(64), HASH),
    "quotes stay",
  );
});

Deno.test("--update-hash inserts a checksum line after the package map, indented like it", async () => {
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
    await withChecksum(text, HASH),
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

Deno.test("--update-hash fills an empty checksum key", async () => {
  const text = `package:\n  schema: 1\n  slug: demo\n  checksum:\nbuild: {script: x}\n`;
  assert.equal(
    await withChecksum(text, HASH),
    `package:\n  schema: 1\n  slug: demo\n  checksum: ${HASH}\nbuild: {script: x}\n`,
  );
});

Deno.test("--update-hash edits a manifest outside the fast parser's subset (an alias) too", async () => {
  const text = `package:\n  schema: 1\n  slug: &s demo\n  name: *s\n  checksum: "${
    "1".repeat(64)
  }"\nbuild: {script: x}\n`;
  assert.equal(await withChecksum(text, HASH), text.replace("1".repeat(64), HASH));
});

Deno.test("--update-hash refuses a manifest that is not YAML, or has no package map", async () => {
  await assert.rejects(withChecksum("package: [\n", HASH), /not valid YAML/);
  await assert.rejects(withChecksum("package: 3\n", HASH), /no `package` map/);
  await assert.rejects(withChecksum("- a\n", HASH), /not a map/);
});
