import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

/** Runs the fixture in a Deno with the collector exposed; its measure of retained heap. */
async function retained(loader: string): Promise<{ retained: number; padding: number }> {
  const script = fileURLToPath(new URL("../fixtures/memory/retained.ts", import.meta.url));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", script, loader],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

// 400 texts of 32 KiB each: a loaded manifest that still refers to its text
// (V8 makes a slice of a string a view of it) keeps 13 MB; one that does not
// keeps a few hundred kilobytes.
for (const loader of ["text", "parallel"]) {
  Deno.test(`memory: manifests loaded by ${loader} keep none of their text alive`, async () => {
    const { retained: bytes, padding } = await retained(loader);
    assert.ok(bytes < padding / 4, `${bytes} bytes retained for ${padding} bytes of padding`);
  });
}
