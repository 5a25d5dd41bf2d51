// Loads the CommonJS bundle of scripts/bundle.mjs (dist/bundle/*.cjs) with V8 code caches.
//
// A command such as `ngts -t` runs once and exits, so V8 compiles every function it runs for that
// one run: the top level of each file, then each function lazily on its first call. A code cache
// (vm.Script's cachedData) holds the bytecode of the functions a run compiled; scripts/bundle.mjs
// writes one per file next to it (NAME.cjs -> NAME.cache) after checking configurations with the
// bundle, and here each file is compiled with its cache, so those functions are not compiled
// again. V8 rejects a cache made by another V8 or with other flags (script.cachedDataRejected),
// but it knows a source only by its length: a cache also starts with the SHA-1 of the file it was
// made from, and is not used for another text (a file's size and time would not survive npm's
// packing, which gives every file the same time).
//
// The bundle's files require each other by relative name (`./validate-HASH.cjs`): those are loaded
// here, packages and Node's modules by Node's own require.
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

// Node's CommonJS wrapper, on the first line so that line numbers in stack traces stay the file's.
const HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const TAIL = '\n});';

/** A loader of one bundle directory; `train` compiles without caches and can write them after. */
function bundleLoader(dir, train) {
  /** Files loaded, by absolute name: their module and script. */
  const loaded = new Map();

  function load(file) {
    const known = loaded.get(file);
    if (known !== undefined) return known.module.exports;
    const text = readFileSync(file, 'utf8');
    const source = HEAD + text + TAIL;
    const cachedData = train ? undefined : readCache(file, text);
    const script = new Script(source, { filename: file, cachedData });
    const module = { exports: {}, filename: file, id: file, loaded: false };
    // The text is kept only to stamp the caches a training run writes.
    loaded.set(file, { module, script, text: train ? text : null });
    const nodeRequire = createRequire(file);
    const here = dirname(file);
    const require = (id) => (id.startsWith('./') ? load(join(here, id)) : nodeRequire(id));
    script.runInThisContext().call(module.exports, module.exports, require, module, file, here);
    module.loaded = true;
    return module.exports;
  }

  return {
    /** Loads `name` (e.g. main.cjs) of the bundle and what it requires; returns its exports. */
    require: (name) => load(join(dir, name)),
    /** Writes a code cache for every file loaded so far, with every function compiled by now. */
    writeCaches() {
      for (const [file, { script, text }] of loaded) writeFileSync(cacheName(file), Buffer.concat([stamp(text), script.createCachedData()]));
      return loaded.size;
    },
  };
}

function cacheName(file) {
  return file.replace(/\.cjs$/, '.cache');
}

/** What a cache records of its file's text: 20 bytes, its SHA-1. */
function stamp(text) {
  return createHash('sha1').update(text).digest();
}

/** The code cache of a file whose text is `text`, without its stamp; undefined if none or stale. */
function readCache(file, text) {
  let data;
  try {
    data = readFileSync(cacheName(file));
  } catch {
    return undefined;
  }
  if (data.length <= 20 || !data.subarray(0, 20).equals(stamp(text))) return undefined;
  return data.subarray(20);
}

module.exports = { bundleLoader };
