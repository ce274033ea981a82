/**
 * Node has no fetch for a package's own files, so the WebP decoder's WebAssembly is read from
 * node_modules and handed to it once; browsers load it by URL themselves.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { init } from '@jsquash/webp/decode.js';

let ready: Promise<void> | undefined;

/** Resolves once src/engine/image/decode.ts can decode WebP in this process. */
export function webpReady(): Promise<void> {
  ready ??= (async () => {
    const wasm = createRequire(import.meta.url).resolve('@jsquash/webp/codec/dec/webp_dec.wasm');
    await init(await WebAssembly.compile(await readFile(wasm)));
  })();
  return ready;
}
