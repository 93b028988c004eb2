// Files for JavaScript plugins, through WASI (componentize-js has no file
// API of its own). A plugin sees only the folders the host granted it: those
// its path settings name (a key declared with access write-file, ...) and
// plugin.grant.*. Each appears at its own path, so the paths in the user's
// config work unchanged.

import { getDirectories } from './host.js';
import { ConfigError, RetriableError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// wasi:io output streams take at most 4096 bytes per blocking write.
const CHUNK = 4096;

/** The granted folder holding `path` (the longest match) and the rest of
 * the path inside it. */
function locate(path) {
  let best = null;
  for (const [dir, at] of getDirectories()) {
    const prefix = at.endsWith('/') ? at : `${at}/`;
    if (path.startsWith(prefix) && (best === null || prefix.length > best[2].length)) {
      best = [dir, path.slice(prefix.length), prefix];
    }
  }
  if (best === null) {
    throw new ConfigError(`${path} is outside the folders this plugin was granted`);
  }
  return best;
}

function fail(what, path, e) {
  const code = e?.payload ?? e?.message ?? String(e);
  return new RetriableError(`cannot ${what} ${path}: ${code}`);
}

/** A file opened for appending (created when missing). */
export class AppendFile {
  constructor(path) {
    const [dir, rest] = locate(path);
    this.path = path;
    try {
      this.file = dir.openAt({ symlinkFollow: false }, rest, { create: true }, { write: true });
      this.stream = this.file.appendViaStream();
    } catch (e) {
      throw fail('open', path, e);
    }
  }

  /** Append `text` (UTF-8). */
  write(text) {
    const bytes = encoder.encode(text);
    try {
      for (let at = 0; at < bytes.length; at += CHUNK) {
        this.stream.blockingWriteAndFlush(bytes.subarray(at, at + CHUNK));
      }
    } catch (e) {
      throw fail('write', this.path, e);
    }
  }

  /** Make what was written durable (fsync). */
  sync() {
    try {
      this.file.syncData();
    } catch (e) {
      throw fail('sync', this.path, e);
    }
  }
}

/** The whole of a text file. */
export function readText(path) {
  const [dir, rest] = locate(path);
  try {
    const file = dir.openAt({ symlinkFollow: false }, rest, {}, { read: true });
    const chunks = [];
    let offset = 0n;
    for (;;) {
      const [bytes, end] = file.read(65536n, offset);
      chunks.push(bytes);
      offset += BigInt(bytes.length);
      if (end || bytes.length === 0) break;
    }
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return decoder.decode(all);
  } catch (e) {
    throw fail('read', path, e);
  }
}
