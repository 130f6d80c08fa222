import assert from "node:assert/strict";
import { DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import { parseConfig } from "../../lib/workspace/config.ts";
import { generateSigningKey } from "../../lib/store/sign.ts";

async function parse(text: string) {
  const bag = new DiagnosticBag("/ws/2nex.yaml", text);
  const config = await parseConfig("/ws", text, bag);
  return { config, messages: bag.items.map((d) => d.message) };
}

Deno.test("2nex.yaml: substituters are URLs or workspace paths with trusted keys", async () => {
  const key = generateSigningKey().publicKey;
  const { config, messages } = await parse(`substituters:
  - url: http://127.0.0.1:8080/
    keys: [${key}]
  - url: cache/published
    keys: [${key}]
    timeout: 5
`);
  assert.deepEqual(messages, []);
  assert.deepEqual(config!.substituters, [
    { url: "http://127.0.0.1:8080/", keys: [key], timeout: 30 },
    { url: "/ws/cache/published", keys: [key], timeout: 5 },
  ]);
});

Deno.test("2nex.yaml: a substituter without keys, a bad key or an unknown field is an error", async () => {
  const { config, messages } = await parse(`substituters:
  - url: http://a/
  - url: http://b/
    keys: [not-a-key]
  - url: http://c/
    keyz: []
  - keys: [${generateSigningKey().publicKey}]
`);
  assert.equal(config!.substituters.length, 0);
  assert.ok(messages.some((m) => m === "substituter http://a/ has no keys"), messages.join("\n"));
  assert.ok(messages.some((m) => m.includes('"not-a-key" is not an ed25519 public key')));
  assert.ok(messages.some((m) => m.includes('unknown key "keyz"')));
  assert.ok(messages.some((m) => m === "a substituter needs a url"));
});
