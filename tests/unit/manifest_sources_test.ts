import assert from "node:assert/strict";
import { join } from "node:path";
import { manifestFiles } from "../../scripts/manifest-sources.ts";

async function collect(path: string): Promise<string[]> {
  const files: string[] = [];
  for await (const file of manifestFiles(path)) files.push(file);
  return files;
}

Deno.test("manifestFiles: a directory is walked recursively, a file is itself", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "gnu"));
    await Deno.writeTextFile(join(dir, "b.yaml"), "");
    await Deno.writeTextFile(join(dir, "a.yml"), "");
    await Deno.writeTextFile(join(dir, "notes.txt"), "");
    await Deno.writeTextFile(join(dir, "gnu", "c.yaml"), "");
    assert.deepEqual(await collect(dir), [
      join(dir, "a.yml"),
      join(dir, "b.yaml"),
      join(dir, "gnu", "c.yaml"),
    ]);
    assert.deepEqual(await collect(join(dir, "b.yaml")), [join(dir, "b.yaml")]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
