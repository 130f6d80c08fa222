import assert from "node:assert/strict";
import {
  ED25519_SIGNATURE_KEY,
  generateSigningKey,
  isPublicKey,
  parseSecretKey,
  signaturesOf,
  signBytes,
  trustedSigner,
  verifyBytes,
  withSignature,
} from "../../lib/store/sign.ts";
import { decodeVariant, encodeVariant } from "../../lib/store/gvariant.ts";
import { InvalidInputError } from "../../lib/util/errors.ts";

const data = new TextEncoder().encode("a commit object");

Deno.test("sign: a generated key signs, and only its public key verifies", () => {
  const key = generateSigningKey();
  const other = generateSigningKey();
  assert.ok(isPublicKey(key.publicKey));
  assert.equal(atob(key.secret).length, 64);
  const signature = signBytes(key.secret, data);
  assert.equal(signature.length, 64);
  assert.ok(verifyBytes(key.publicKey, data, signature));
  assert.ok(!verifyBytes(other.publicKey, data, signature));
  const flipped = data.slice();
  flipped[0] ^= 1;
  assert.ok(!verifyBytes(key.publicKey, flipped, signature));
});

Deno.test("sign: a secret key reads back; a wrong public half or junk is refused", () => {
  const key = generateSigningKey();
  assert.deepEqual(parseSecretKey(`${key.secret}\n`, "k"), key);
  const bytes = Uint8Array.from(atob(key.secret), (c) => c.charCodeAt(0));
  bytes[40] ^= 1;
  const tampered = btoa(String.fromCharCode(...bytes));
  assert.throws(() => parseSecretKey(tampered, "k"), InvalidInputError);
  assert.throws(() => parseSecretKey("not base64!", "k"), InvalidInputError);
  assert.throws(() => parseSecretKey(key.publicKey, "k"), InvalidInputError);
});

Deno.test("sign: detached metadata keeps other entries and collects signatures once", () => {
  const a = generateSigningKey();
  const b = generateSigningKey();
  const existing = encodeVariant("a{sv}", [["xa.other", { type: "s", value: "kept" }]]);
  const sigA = signBytes(a.secret, data);
  const once = withSignature(existing, sigA);
  const twice = withSignature(withSignature(once, sigA), signBytes(b.secret, data));
  assert.equal(signaturesOf(twice).length, 2);
  const entries = decodeVariant("a{sv}", twice) as [string, { type: string }][];
  assert.deepEqual(entries.map(([k, v]) => [k, v.type]), [
    [ED25519_SIGNATURE_KEY, "aay"],
    ["xa.other", "s"],
  ]);
  assert.equal(
    trustedSigner(data, twice, [generateSigningKey().publicKey, b.publicKey]),
    b.publicKey,
  );
  assert.equal(trustedSigner(data, twice, [generateSigningKey().publicKey]), undefined);
  assert.equal(trustedSigner(data, undefined, [a.publicKey]), undefined);
});
