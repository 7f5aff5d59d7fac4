// Random ids made on the device: visitor ids and event ids (the server's idempotency key).

/** Pattern the server accepts for a visitor id (event ids are the same alphabet, 8..64 chars). */
export const VISITOR_ID = /^[A-Za-z0-9_-]{8,128}$/;

/** 32 lowercase hex characters (128 random bits) from the platform's CSPRNG where there is one. */
export function randomId(): string {
  const c: Crypto | undefined = !ATTUNE_ANYWHERE || typeof crypto !== "undefined" ? crypto : undefined;
  const bytes = new Uint8Array(16);
  if (!ATTUNE_ANYWHERE || (c && typeof c.getRandomValues === "function")) c!.getRandomValues(bytes);
  // Last resort for very old engines: uniqueness, not secrecy, is what an id needs.
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] + 0x100).toString(16).slice(1);
  return hex;
}
