import assert from "node:assert/strict";
import { twonex } from "../helpers/cli.ts";

Deno.test("-C must name an existing directory: exit 2 with one line, not an empty workspace", async () => {
  const missing = await twonex(["-C", "/nonexistent-2nex-workspace", "lint"]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim(), "error: -C /nonexistent-2nex-workspace: no such directory");
  const file = await Deno.makeTempFile();
  try {
    const notDir = await twonex(["-C", file, "graph"]);
    assert.equal(notDir.code, 2);
    assert.equal(notDir.stderr.trim(), `error: -C ${file}: not a directory`);
  } finally {
    await Deno.remove(file);
  }
});
