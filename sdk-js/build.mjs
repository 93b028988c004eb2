// Build a plugin component with componentize-js (from npm):
//
//   node build.mjs <entry.js> <world> <out.wasm> [--wit <dir>]
//
// <world> is one of the worlds of wit/plugin.wit (transform-plugin,
// sink-plugin, source-plugin, converter-plugin, config-provider-plugin,
// plugin). The WIT defaults to ./wit of the current folder (a project made
// by `wasm-connect plugin new`), else the wit/ of the repository this file
// is in.
//
// componentize-js only reads modules inside the entry's folder, so the
// entry's folder and this helper (as ./wasm-connect/) are staged together in
// a temporary folder, with two generated files:
// - wasm-connect/host.js: the imports of the host and of WASI files, named
//   with the versions read from the WIT files, so no source names a version;
// - wit/: a world that is <world> of the contract plus the WASI file system
//   imports (wasi/), which JavaScript needs to read or write the files a
//   plugin is granted (see files.js).
// (The `jco componentize` command fails to read WIT paths on some machines;
// calling componentize() from node works.)
//
// componentize-js always pre-initializes: the JavaScript engine is snapshot
// (Wizer) after the plugin's top-level code ran, so an instance starts in
// about a millisecond (BENCHMARKS.md). Its ahead-of-time option (enableAot,
// weval) is not offered: the npm package of weval downloads it from GitHub
// while building, which the CI machines cannot reach, and a weval from
// crates.io (passed as wevalBin) made MaskRoute 10% slower, not faster, with
// the helper's loops (BENCHMARKS.md, "JavaScript after the helper's rework").

import { componentize } from '@bytecodealliance/componentize-js';
import {
  cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const [, value] = args.splice(i, 2);
  return value;
};
const witArg = option('--wit');
const [entry, world, out] = args;
if (!entry || !world || !out) {
  console.error('usage: node build.mjs <entry.js> <world> <out.wasm> [--wit <dir>]');
  process.exit(2);
}
const wit = resolve(witArg ?? ['wit', join(here, '..', 'wit')].find((d) => existsSync(join(d, 'plugin.wit'))) ?? 'wit');

/** The `<version>` of `package <name>@<version>;` in the .wit files of `dir`. */
function packageVersion(dir, name) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.wit'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const m = text.match(new RegExp(`^\\s*package\\s+${name}@([^;\\s]+)\\s*;`, 'm'));
    if (m) return m[1];
  }
  console.error(`${dir}: no \`package ${name}@<version>;\` line in its .wit files`);
  process.exit(1);
}

const contract = packageVersion(wit, 'wasm-connect:plugin');
const wasiDir = join(here, 'wasi');
const wasi = packageVersion(wasiDir, 'wasi:filesystem');

const stage = mkdtempSync(join(tmpdir(), 'wasm-connect-js-'));
try {
  // The plugin's folder, then this helper as ./wasm-connect/ inside it.
  const appDir = dirname(resolve(entry));
  cpSync(appDir, stage, {
    recursive: true,
    filter: (src) => !['node_modules', 'wasm-connect', '.git'].includes(basename(src)) || src === appDir,
  });
  const helper = join(stage, 'wasm-connect');
  mkdirSync(helper, { recursive: true });
  for (const f of readdirSync(here).filter((f) => f.endsWith('.js'))) cpSync(join(here, f), join(helper, f));
  writeFileSync(join(helper, 'host.js'),
    `// Written by build.mjs: the imports of contract ${contract} and WASI ${wasi}.\n`
    + `export { log } from 'wasm-connect:plugin/host@${contract}';\n`
    + `export { apply as batchOps } from 'wasm-connect:plugin/batch-ops@${contract}';\n`
    + `export { getDirectories } from 'wasi:filesystem/preopens@${wasi}';\n`);

  // The world to build: the contract's <world> plus the WASI file system.
  const witStage = join(stage, '.wit');
  mkdirSync(join(witStage, 'deps', 'plugin'), { recursive: true });
  for (const f of readdirSync(wit).filter((f) => f.endsWith('.wit'))) cpSync(join(wit, f), join(witStage, 'deps', 'plugin', f));
  for (const f of readdirSync(wasiDir).filter((f) => f.endsWith('.wit'))) {
    mkdirSync(join(witStage, 'deps', basename(f, '.wit')), { recursive: true });
    cpSync(join(wasiDir, f), join(witStage, 'deps', basename(f, '.wit'), f));
  }
  writeFileSync(join(witStage, 'world.wit'), `package wasm-connect:js-plugin;

world ${world} {
  include wasm-connect:plugin/${world}@${contract};
  import wasi:filesystem/types@${wasi};
  import wasi:filesystem/preopens@${wasi};
}
`);

  const started = Date.now();
  const { component } = await componentize({
    sourcePath: join(stage, basename(entry)),
    witPath: witStage,
    worldName: world,
    // Plugins are given no HTTP: without this the component imports wasi:http.
    disableFeatures: ['http', 'fetch-event'],
  });
  writeFileSync(out, component);
  console.log(`${out}: ${component.length} bytes, ${world} of contract ${contract}, built in ${Date.now() - started} ms`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
