/**
 * NATS credentials from a file, never from the command line (where `ps`
 * would show them). One of:
 *
 * ```
 * token = s3cr3t
 * ```
 * ```
 * user = sensor1
 * password = s3cr3t
 * ```
 * ```
 * nkey_seed = SUAM...        (or the seed alone on a line, as `nk -gen user` prints it)
 * ```
 *
 * Blank lines and `#` comments are ignored; values may be quoted.
 */
import {
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from "@nats-io/transport-node";
import type { Authenticator } from "@nats-io/transport-node";

/** What a credentials file holds, as an authenticator plus a description for messages. */
export interface NatsCredentials {
  authenticator: Authenticator;
  /** "token", "user sensor1" or "nkey UABC…" (never the secret). */
  describe: string;
}

/**
 * Parses the text of a credentials file; `file` names it in errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCredentials } from "./credentials.ts";
 * assert.deepEqual(parseCredentials("user = a\npassword = b\n", "nats.cred").describe, "user a");
 * ```
 */
export function parseCredentials(text: string, file: string): NatsCredentials {
  const values = new Map<string, string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) {
      if (/^SU[A-Z2-7]{50,}$/.test(line)) {
        values.set("nkey_seed", line);
        continue;
      }
      throw new Error(`${file}:${i + 1}: expected "key = value" (token, user, password or nkey_seed)`);
    }
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim().replace(/^(["'])(.*)\1$/, "$2");
    if (!["token", "user", "password", "nkey_seed"].includes(key)) {
      throw new Error(`${file}:${i + 1}: unknown key "${key}" (token, user, password or nkey_seed)`);
    }
    if (value === "") throw new Error(`${file}:${i + 1}: ${key} is empty`);
    values.set(key, value);
  }
  const token = values.get("token");
  const user = values.get("user");
  const password = values.get("password");
  const seed = values.get("nkey_seed");
  const kinds = [token, user ?? password, seed].filter((v) => v !== undefined).length;
  if (kinds === 0) throw new Error(`${file}: no credentials (token, user + password, or nkey_seed)`);
  if (kinds > 1) throw new Error(`${file}: give one of token, user + password, or nkey_seed, not several`);
  if (token !== undefined) return { authenticator: tokenAuthenticator(token), describe: "token" };
  if (seed !== undefined) {
    if (!/^SU[A-Z2-7]+$/.test(seed)) throw new Error(`${file}: nkey_seed is not a user NKey seed (SU…)`);
    return { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), describe: "nkey seed" };
  }
  if (user === undefined || password === undefined) {
    throw new Error(`${file}: user and password go together`);
  }
  return { authenticator: usernamePasswordAuthenticator(user, password), describe: `user ${user}` };
}

/**
 * Reads and parses a credentials file. Errors name the file; a file others
 * can read is refused (the secret would not be one).
 */
export async function readCredentials(file: string): Promise<NatsCredentials> {
  let text: string;
  try {
    const info = await Deno.stat(file);
    if (info.mode !== null && (info.mode & 0o077) !== 0) {
      throw new Error(`mode ${(info.mode & 0o777).toString(8)} lets others read it; chmod 600 ${file}`);
    }
    text = await Deno.readTextFile(file);
  } catch (err) {
    throw new Error(`credentials file ${file}: ${(err as Error).message}`);
  }
  return parseCredentials(text, file);
}
