/** A fresh job id: a random UUID (Web Crypto, so it works in Node 20+ and in browsers alike). */
export function newJobId(): string {
  return globalThis.crypto.randomUUID();
}
