/**
 * Reads a manifest or config file as UTF-8 text, turning every way that can go
 * wrong (missing, a directory, unreadable, too large, not UTF-8) into a
 * diagnostic instead of an exception.
 * @module
 */
import { DiagnosticBag } from "./diagnostics.ts";
import { MAX_MANIFEST_FILE_BYTES } from "./limits.ts";
import { errorMessage } from "../util/mod.ts";

export type ReadResult = { ok: true; text: string } | { ok: false; bag: DiagnosticBag };
export type ReadBytesResult = { ok: true; bytes: Uint8Array } | { ok: false; bag: DiagnosticBag };

/**
 * Reads `path` as UTF-8 text of at most `maxBytes`. Synchronous on purpose:
 * a workspace has thousands of small manifests, and Deno's synchronous file
 * calls cost a fraction of the asynchronous ones.
 */
export function readTextFile(
  path: string,
  maxBytes: number = MAX_MANIFEST_FILE_BYTES,
): ReadResult {
  const read = readFileBytes(path, maxBytes);
  return read.ok ? decodeUtf8(path, read.bytes) : read;
}

/** Reads the bytes of `path`, refusing what is not a regular file of at most `maxBytes`. */
export function readFileBytes(
  path: string,
  maxBytes: number = MAX_MANIFEST_FILE_BYTES,
): ReadBytesResult {
  const fail = (message: string, hint?: string): ReadBytesResult => {
    const bag = new DiagnosticBag(path);
    bag.add({ file: path, line: 0, col: 0, severity: "error", message, hint });
    return { ok: false, bag };
  };
  let bytes: Uint8Array;
  try {
    // Checked before reading: a FIFO would block, a huge file would fill memory.
    const info = Deno.statSync(path);
    if (info.isDirectory) return fail("is a directory, expected a YAML file");
    if (!info.isFile) return fail("is not a regular file");
    if (info.size > maxBytes) {
      return fail(
        `file is too large (${info.size} bytes; the limit is ${maxBytes} bytes)`,
        "a manifest describes one package; split generated content into several files",
      );
    }
    bytes = Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return fail("no such file");
    if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
      return fail("permission denied", "check the file's permissions");
    }
    if (error instanceof Deno.errors.IsADirectory) return fail("is a directory, expected a file");
    return fail(`cannot read: ${errorMessage(error)}`);
  }
  if (bytes.length > maxBytes) return fail(`file is too large (over ${maxBytes} bytes)`);
  return { ok: true, bytes };
}

/** Decodes a file's bytes as UTF-8; invalid bytes give a diagnostic at the first of them. */
export function decodeUtf8(path: string, bytes: Uint8Array): ReadResult {
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const valid = new TextDecoder().decode(bytes.subarray(0, offset));
    const bag = new DiagnosticBag(path, valid);
    bag.error(
      valid.length,
      `invalid UTF-8 byte 0x${bytes[offset].toString(16)} at byte ${offset}`,
      "manifests must be UTF-8 text",
    );
    return { ok: false, bag };
  }
}

/** Index of the first byte that is not part of a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length = b < 0x80
      ? 1
      : (b >> 5) === 6
      ? 2
      : (b >> 4) === 14
      ? 3
      : (b >> 3) === 30
      ? 4
      : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return bytes.length;
}
