/**
 * Deno permission changes the source layer offers its callers.
 *
 * @module
 */

/**
 * Revokes this process's network permission for good. The build calls it once
 * all sources are fetched, so nothing after that point (build scripts are
 * sandboxed anyway, but also 2nex's own code) can open a connection. Doing it
 * twice, or when the permission was never granted, is harmless.
 */
export async function dropNetworkPermission(): Promise<void> {
  const status = await Deno.permissions.query({ name: "net" });
  if (status.state === "denied") return;
  await Deno.permissions.revoke({ name: "net" });
}
