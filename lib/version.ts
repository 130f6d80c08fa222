/** The 2nex version, from deno.json, recorded in every commit's metadata. */
import denoJson from "../deno.json" with { type: "json" };

export const VERSION: string = denoJson.version;
