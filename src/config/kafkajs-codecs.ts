/**
 * Compression codecs for kafkajs, registered once per process by every kafkajs client —
 * producers to compress, the workers' consumers to read what collectors compressed: gzip
 * through Node's zlib (synchronously, see below), and lz4 and zstd, which kafkajs does not
 * ship, from the npm registry (`lz4-napi` frames, the LZ4 frame format Kafka uses since
 * message format v1; `zstd-napi`). Those two are optional dependencies with native code
 * (lz4-napi ships binaries inside npm packages, zstd-napi builds from its bundled sources):
 * where one did not install, choosing its codec is a ConfigError that says so.
 */
import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import type { KafkaCompression } from './types.js';
import { ConfigError } from '../errors.js';

interface Lz4Module {
  compressFrameSync(data: Buffer): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}

interface ZstdModule {
  compress(data: Buffer, params?: Record<string, number>): Buffer;
  decompress(data: Buffer): Buffer;
}

// kafkajs is CommonJS and its codec table is not detected as a named export.
const { CompressionCodecs, CompressionTypes } = kafkajs;
const require = createRequire(import.meta.url);

function load<T>(name: string): T | null {
  try {
    return require(name) as T;
  } catch {
    return null;
  }
}

let registered: { lz4: boolean; zstd: boolean } | null = null;

/**
 * Registers the codecs (idempotent) and returns which of the optional ones are installed.
 * All compress synchronously: a 512 KiB request compresses in a few milliseconds, and the
 * thread-pool round trip of the asynchronous forms costs more CPU than it saves.
 */
export function registerKafkajsCodecs(): { lz4: boolean; zstd: boolean } {
  if (registered) return registered;
  const lz4 = load<Lz4Module>('lz4-napi');
  const zstd = load<ZstdModule>('zstd-napi');
  if (lz4) {
    CompressionCodecs[CompressionTypes.LZ4] = () => ({
      compress: async (encoder: { buffer: Buffer }) => lz4.compressFrameSync(encoder.buffer),
      decompress: async (buffer: Buffer) => lz4.decompressFrameSync(buffer),
    });
  }
  if (zstd) {
    CompressionCodecs[CompressionTypes.ZSTD] = () => ({
      compress: async (encoder: { buffer: Buffer }) => zstd.compress(encoder.buffer),
      decompress: async (buffer: Buffer) => zstd.decompress(buffer),
    });
  }
  // kafkajs' own gzip codec goes through the thread pool; measured on one pinned core, the
  // hand-off cost more than it overlapped (6.3-7.0 against 7.1 CPU-s per million lines).
  CompressionCodecs[CompressionTypes.GZIP] = () => ({
    compress: async (encoder: { buffer: Buffer }) => gzipSync(encoder.buffer),
    decompress: async (buffer: Buffer) => gunzipSync(buffer),
  });
  registered = { lz4: lz4 !== null, zstd: zstd !== null };
  return registered;
}

/** kafkajs' compression type for `kafka.compression`; a ConfigError when its codec is missing. */
export function kafkajsCompression(compression: KafkaCompression): kafkajs.CompressionTypes {
  const have = registerKafkajsCodecs();
  switch (compression) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'lz4':
    case 'zstd':
      if (!have[compression]) {
        const pkg = compression === 'lz4' ? 'lz4-napi' : 'zstd-napi';
        throw new ConfigError(
          `kafka.compression '${compression}' needs the optional package ${pkg}, which is not installed here.`,
          `Reinstall with optional dependencies (npm ci; ${pkg} builds with a C/C++ toolchain), or use 'gzip'.`,
        );
      }
      return compression === 'lz4' ? CompressionTypes.LZ4 : CompressionTypes.ZSTD;
  }
}
