/**
 * Mirrors and the file names sources are looked up by in them.
 *
 * A mirror holds source files by their plain file name (file_name.ts): for a
 * `url:` source the URL's last path segment (decoded), for a `file:` source the
 * file's base name. `2nex vendor` writes directories in exactly this layout.
 *
 * @module
 */
import { resolve } from "node:path";
import { InvalidInputError } from "../util/mod.ts";

/** A place tried before a source's own URL: a local directory or a URL prefix. */
export type Mirror = { kind: "dir"; path: string } | { kind: "url"; prefix: string };

/**
 * Turns the `mirrors:` strings of 2nex.yaml into mirrors. Strings starting with
 * `http://` or `https://` are URL prefixes (a missing trailing "/" is added);
 * anything else is a directory, relative to the workspace.
 */
export function parseMirrors(list: string[], workspaceDir: string): Mirror[] {
  return list.map((entry) => {
    const text = entry.trim();
    if (text === "") throw new InvalidInputError("a mirror entry is empty");
    if (/^https?:\/\//i.test(text)) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw new InvalidInputError(`mirror "${text}" is not a valid URL`);
      }
      const prefix = url.href.endsWith("/") ? url.href : `${url.href}/`;
      return { kind: "url", prefix };
    }
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
      throw new InvalidInputError(`mirror "${text}" uses an unsupported scheme`, {
        hint: "a mirror is a directory or an http:// or https:// URL prefix",
      });
    }
    return { kind: "dir", path: resolve(workspaceDir, text) };
  });
}

/** The URL of `fileName` under a URL-prefix mirror. */
export function mirrorUrl(prefix: string, fileName: string): string {
  return prefix + encodeURIComponent(fileName);
}
