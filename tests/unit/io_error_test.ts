/**
 * Machine faults (full disk, read-only file system, permissions, device
 * errors) become one IoError with the operation and the path; anything else
 * passes through unchanged. The faults are real ones, made on this machine.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  asIoError,
  asToolIoError,
  guardIo,
  IoError,
  ioErrorFromUnknown,
} from "../../lib/util/io_error.ts";
import { writeFileAtomic } from "../../lib/util/fs.ts";
import { ExitCode, FailureError } from "../../lib/util/errors.ts";

/** An error as Deno throws it for a full disk: a plain Error with a code, and the path in the message. */
function enospc(message = "No space left on device (os error 28): writefile '/ws/x'"): Error {
  return Object.assign(new Error(message), { code: "ENOSPC" });
}

Deno.test("a full disk becomes an IoError naming the operation and the path, exit 1", () => {
  const error = asIoError(enospc(), "writing the build log", "/ws/log");
  assert.ok(error instanceof IoError);
  assert.equal(error.exitCode, ExitCode.failure);
  assert.equal(error.message, "no space left on device while writing the build log /ws/log");
  assert.match(error.hint ?? "", /free some space/);
  assert.ok(!error.message.includes("\n"));
});

Deno.test("errors without a code are classified by their OS error number", () => {
  // FsFile.write's error names neither the code nor the file.
  const bare = new Error("No space left on device (os error 28)");
  assert.equal((asIoError(bare, "writing", "/f") as IoError).code, "ENOSPC");
  const quota = new Error("Disk quota exceeded (os error 122)");
  assert.equal((asIoError(quota, "writing", "/f") as IoError).code, "EDQUOT");
  const device = new Error("Input/output error (os error 5)");
  assert.equal((asIoError(device, "reading", "/f") as IoError).code, "EIO");
});

Deno.test("other errors pass through unchanged", () => {
  const notFound = new Deno.errors.NotFound("No such file or directory (os error 2): open '/x'");
  assert.equal(asIoError(notFound, "reading", "/x"), notFound);
  const bug = new TypeError("undefined is not a function");
  assert.equal(asIoError(bug, "reading", "/x"), bug);
  assert.equal(ioErrorFromUnknown(bug), undefined);
  assert.equal(ioErrorFromUnknown("a string"), undefined);
});

Deno.test("an unwrapped fault at the top level keeps Deno's operation and paths", () => {
  const single = ioErrorFromUnknown(
    Object.assign(new Error("Read-only file system (os error 30): open '/ws/.2nex/cache/lock'"), {
      code: "EROFS",
    }),
  );
  assert.equal(single?.message, "read-only file system while opening /ws/.2nex/cache/lock");
  const two = ioErrorFromUnknown(
    Object.assign(new Error("Read-only file system (os error 30): rename '/a' -> '/b'"), {
      code: "EROFS",
    }),
  );
  assert.equal(two?.message, "read-only file system while renaming /a -> /b");
  const denied = ioErrorFromUnknown(
    new Deno.errors.PermissionDenied("Permission denied (os error 13): mkdir '/root/x'"),
  );
  // PermissionDenied carries the code EACCES in Deno 2; the number works as well.
  assert.equal(denied?.message, "permission denied while creating the directory /root/x");
});

Deno.test("guardIo wraps machine faults; writeFileAtomic leaves other errors alone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "2nex-io-" });
  try {
    await assert.rejects(
      guardIo("writing", "/ws/f", () => Promise.reject(enospc())),
      (error: unknown) => error instanceof IoError && error.message.endsWith("writing /ws/f"),
    );
    // A write into a path whose parent is a file: ENOTDIR, not a machine fault, so unchanged.
    await Deno.writeTextFile(join(dir, "file"), "x");
    await assert.rejects(
      writeFileAtomic(join(dir, "file", "below"), "y"),
      (error: unknown) => !(error instanceof IoError),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a tool that reports a machine fault becomes an IoError for the path it was given", () => {
  const ostree = new FailureError(
    "ostree exited with code 1: error: Cannot write to repository: Read-only file system",
  );
  const error = asToolIoError(ostree, "committing to the repository", "/ws/.2nex/repo");
  assert.ok(error instanceof IoError);
  assert.equal(
    error.message,
    "read-only file system while committing to the repository /ws/.2nex/repo",
  );
  const other = new FailureError("ostree exited with code 1: error: No such metadata object");
  assert.equal(asToolIoError(other, "committing", "/r"), other);
});
