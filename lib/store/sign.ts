/**
 * Ed25519 signatures in ostree's own format, so that stock ostree built with
 * ed25519 support verifies what 2nex signs, and 2nex verifies what it pulls
 * without depending on that support (Debian's ostree 2022.7 is built without it).
 *
 * Key formats (those of `ostree sign --sign-type=ed25519`): a secret key is the
 * base64 of 64 bytes (32-byte seed, then the 32-byte public key), one per line
 * in a keys file; a public key is the base64 of its 32 bytes. A commit's
 * signatures live in its detached metadata (`objects/XX/REST.commitmeta`, an
 * `a{sv}`) under `ostree.sign.ed25519` as an `aay` of 64-byte signatures of
 * the commit object's bytes; the summary's in `summary.sig`, same key, over the
 * bytes of `summary`.
 *
 * @example
 * ```ts
 * const data = new TextEncoder().encode("summary");
 * const key = generateSigningKey();
 * const signature = signBytes(key.secret, data);
 * verifyBytes(key.publicKey, data, signature); // true
 * ```
 * @module
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { Buffer } from "node:buffer";
import { decodeVariant, encodeVariant, type GValue, type Variant } from "./gvariant.ts";
import { FailureError, InvalidInputError } from "../util/mod.ts";

/** The detached-metadata (and summary.sig) key of ed25519 signatures. */
export const ED25519_SIGNATURE_KEY = "ostree.sign.ed25519";

const DETACHED_TYPE = "a{sv}";
const SEED_BYTES = 32;
const PUBLIC_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** A secret key in ostree's form and its public key (both base64). */
export interface SigningKey {
  secret: string;
  publicKey: string;
}

/** A new random ed25519 key pair. */
export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync("ed25519");
  return signingKeyFromJwk(privateKey.export({ format: "jwk" }));
}

function signingKeyFromJwk(jwk: { d?: string; x?: string }): SigningKey {
  const seed = Buffer.from(jwk.d ?? "", "base64url");
  const pub = Buffer.from(jwk.x ?? "", "base64url");
  return {
    secret: Buffer.concat([seed, pub]).toString("base64"),
    publicKey: pub.toString("base64"),
  };
}

/** Decodes strict base64 of exactly `length` bytes, or undefined. */
function base64Bytes(text: string, length: number): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.length === length ? bytes : undefined;
}

/** True when `text` is a public key in ostree's form (base64 of 32 bytes). */
export function isPublicKey(text: string): boolean {
  return base64Bytes(text, PUBLIC_BYTES) !== undefined;
}

/**
 * Parses a secret key in ostree's form and checks that its public half belongs
 * to its seed (a key file with a pasted wrong half would sign with one key and
 * advertise another).
 */
export function parseSecretKey(text: string, origin: string): SigningKey {
  const bytes = base64Bytes(text.trim(), SEED_BYTES + PUBLIC_BYTES);
  if (!bytes) {
    throw new InvalidInputError(`${origin} holds no ed25519 secret key`, {
      hint: "a key file holds the base64 of 64 bytes, as `2nex key generate FILE` writes",
    });
  }
  const seed = bytes.subarray(0, SEED_BYTES);
  const derived = createPublicKey(privateKeyOf(seed)).export({ format: "jwk" }).x;
  const key = signingKeyFromJwk({ d: seed.toString("base64url"), x: derived });
  if (key.secret !== bytes.toString("base64")) {
    throw new InvalidInputError(`${origin}: the public half of the key does not match its seed`);
  }
  return key;
}

/** Reads the first key of a keys file (one base64 key per line, as ostree reads it). */
export async function readSecretKeyFile(path: string): Promise<SigningKey> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new FailureError(`cannot read the key file ${path}: ${(error as Error).message}`);
  }
  const line = text.split("\n").map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("#"));
  return parseSecretKey(line ?? "", path);
}

function privateKeyOf(seed: Uint8Array) {
  // PKCS#8 of an ed25519 key is a fixed 16-byte prefix and the 32-byte seed.
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return createPrivateKey({
    key: Buffer.concat([prefix, seed]),
    format: "der",
    type: "pkcs8",
  });
}

function publicKeyObject(publicKey: Uint8Array) {
  // SPKI of an ed25519 key is a fixed 12-byte prefix and the 32-byte key.
  const prefix = Buffer.from("302a300506032b6570032100", "hex");
  return createPublicKey({ key: Buffer.concat([prefix, publicKey]), format: "der", type: "spki" });
}

/** The 64-byte ed25519 signature of `data` with a secret key in ostree's form. */
export function signBytes(secret: string, data: Uint8Array): Uint8Array {
  const bytes = base64Bytes(secret, SEED_BYTES + PUBLIC_BYTES);
  if (!bytes) throw new InvalidInputError("not an ed25519 secret key");
  return new Uint8Array(sign(null, data, privateKeyOf(bytes.subarray(0, SEED_BYTES))));
}

/** True when `signature` is `publicKey`'s signature of `data`; false for malformed input. */
export function verifyBytes(publicKey: string, data: Uint8Array, signature: Uint8Array): boolean {
  const key = base64Bytes(publicKey, PUBLIC_BYTES);
  if (!key || signature.length !== SIGNATURE_BYTES) return false;
  return verify(null, data, publicKeyObject(key), signature);
}

/** The ed25519 signatures in detached metadata (or a summary.sig); empty when none. */
export function signaturesOf(detached: Uint8Array | undefined): Uint8Array[] {
  if (!detached || detached.length === 0) return [];
  let entries: GValue;
  try {
    entries = decodeVariant(DETACHED_TYPE, detached);
  } catch {
    return [];
  }
  for (const [key, boxed] of entries as [string, Variant][]) {
    if (key === ED25519_SIGNATURE_KEY && boxed.type === "aay") {
      return (boxed.value as Uint8Array[]).filter((s) => s.length === SIGNATURE_BYTES);
    }
  }
  return [];
}

/**
 * Detached metadata with `signature` added to the ed25519 signatures (kept
 * once), every other entry of `existing` kept as it was.
 */
export function withSignature(existing: Uint8Array | undefined, signature: Uint8Array): Uint8Array {
  let entries: [string, Variant][] = [];
  if (existing && existing.length > 0) {
    entries = decodeVariant(DETACHED_TYPE, existing) as [string, Variant][];
  }
  const signatures = signaturesOf(existing).filter((s) => !sameBytes(s, signature));
  signatures.push(signature);
  const others = entries.filter(([key]) => key !== ED25519_SIGNATURE_KEY);
  const all: [string, Variant][] = [...others, [ED25519_SIGNATURE_KEY, {
    type: "aay",
    value: signatures,
  }]];
  all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return encodeVariant(DETACHED_TYPE, all);
}

/** Which of `publicKeys` signed `data` according to `detached`, or undefined. */
export function trustedSigner(
  data: Uint8Array,
  detached: Uint8Array | undefined,
  publicKeys: string[],
): string | undefined {
  const signatures = signaturesOf(detached);
  return publicKeys.find((key) => signatures.some((s) => verifyBytes(key, data, s)));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
