import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Load phasekit's native module `name` (`native/<name>.c`, built by `scripts/buildNative.mjs` into
 * `dist/native/<name>-<platform>-<arch>.node`) and return it if `accept` agrees to it (its version, and its
 * answers checked against `fs`'s once); null on another platform, where it was not built, when it fails to
 * load or is not accepted. The callers then go through `fs`.
 */
export function loadNative<T>(name: string, accept: (module: T, file: string) => boolean): T | null {
  if (process.platform !== 'linux') return null;
  const file = `${name}-${process.platform}-${process.arch}.node`;
  // Beside the sources and tsc's output (both three levels below the package), and beside the bundle.
  const candidates = [
    new URL(`../../../dist/native/${file}`, import.meta.url),
    new URL(`../native/${file}`, import.meta.url),
  ];
  const require = createRequire(import.meta.url);
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (!fs.existsSync(path)) continue;
    try {
      const module = require(path) as T;
      return accept(module, path) ? module : null;
    } catch {
      return null; // built for another system, or refused
    }
  }
  return null;
}

/**
 * {@link loadNative}, once: the function returned loads `name` at its first call and gives the same answer
 * (null too) ever after, so a module is loaded and checked only when something first reads with it.
 */
export function lazyNative<T>(name: string, accept: (module: T, file: string) => boolean): () => T | null {
  let module: T | null | undefined;
  return () => {
    if (module === undefined) module = loadNative(name, accept);
    return module;
  };
}
