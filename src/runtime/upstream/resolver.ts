/**
 * The `resolver` of nginx (src/core/ngx_resolver.c) on node:dns: A records, and AAAA unless
 * `ipv6=off`, from the configured name servers, kept for their TTL or `valid=`, the addresses of a
 * name given in a random rotation (ngx_resolver_export), errors as nginx's resolver states them.
 */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ResolverConf } from '../../compile/resolver-conf.js';
import { takeConnectionNumber } from '../http/connection-stats.js';

/** What resolving a name gave: its addresses, or nginx's state code and text. */
export type Resolution = { readonly ok: true; readonly addresses: readonly string[] } | { readonly ok: false; readonly code: number; readonly text: string };

/** A resolver's name servers and cache (one per `resolver` directive, as ngx_resolver_create makes). */
interface ResolverState {
  /** The servers once host names among them are looked up (nginx does so while reading the config). */
  readonly ready: Promise<Resolver>;
  readonly cache: Map<string, { readonly addresses: readonly string[]; readonly expires: number }>;
  /** Names asked for and not answered yet: later requests wait for the same answer (rn->waiting). */
  readonly pending: Map<string, Promise<Resolution>>;
  /** The UDP connection to the name server was made (ngx_udp_connect, at the first query). */
  connected: boolean;
}

const states = new WeakMap<ResolverConf, ResolverState>();

// ngx_resolver_strerror
const STATE_TEXT: Readonly<Record<number, string>> = {
  1: 'Format error',
  2: 'Server failure',
  3: 'Host not found',
  4: 'Unimplemented',
  5: 'Operation refused',
  110: 'Operation timed out',
};

// c-ares's error codes as nginx's resolver states (NGX_RESOLVE_*): no records of the types asked for
// is NXDOMAIN to nginx too.
const STATE_OF: Readonly<Record<string, number>> = {
  EFORMERR: 1,
  ESERVFAIL: 2,
  ENOTFOUND: 3,
  ENODATA: 3,
  ENOTIMP: 4,
  EREFUSED: 5,
  ETIMEOUT: 110,
};

function stateOf(conf: ResolverConf): ResolverState {
  let s = states.get(conf);
  if (s === undefined) {
    const ready = servers(conf).then((list) => {
      // nginx resends every 5 s until resolver_timeout; the caller's timer ends the wait.
      const r = new Resolver({ timeout: 5000, tries: 8 });
      r.setServers(list);
      return r;
    });
    s = { ready, cache: new Map(), pending: new Map(), connected: false };
    states.set(conf, s);
  }
  return s;
}

// ngx_resolver_create resolves name servers given as host names (with the system resolver).
async function servers(conf: ResolverConf): Promise<string[]> {
  const out: string[] = [];
  for (const s of conf.servers) {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(s);
    const host = m?.[1] ?? s;
    const port = m?.[2] ?? '53';
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    if (isIP(bare)) {
      out.push(s);
      continue;
    }
    try {
      for (const a of await lookup(bare, { all: true })) out.push(a.family === 6 ? `[${a.address}]:${port}` : `${a.address}:${port}`);
    } catch {
      /* nginx would not have started; a name server that cannot be found answers nothing */
    }
  }
  return out;
}

function failure(code: number): Resolution {
  return { ok: false, code, text: STATE_TEXT[code] ?? 'Unknown error' };
}

/** One record type: the addresses and the shortest TTL, or the error's code. */
async function query(r: Resolver, name: string, v6: boolean): Promise<{ addresses: string[]; ttl: number } | { error: string }> {
  try {
    // The trailing dot keeps c-ares from trying search domains, which nginx never does.
    const records = v6 ? await r.resolve6(`${name}.`, { ttl: true }) : await r.resolve4(`${name}.`, { ttl: true });
    return { addresses: records.map((x) => x.address), ttl: Math.min(...records.map((x) => x.ttl)) };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? 'ESERVFAIL' };
  }
}

/**
 * Resolves `name` (lower-cased, without a trailing dot, as ngx_resolve_name keeps it) with the
 * resolver `conf`, within its resolver_timeout.
 */
export async function resolveName(conf: ResolverConf, name: string): Promise<Resolution> {
  const state = stateOf(conf);
  const cached = state.cache.get(name);
  if (cached !== undefined && cached.expires > Date.now()) return { ok: true, addresses: rotate(cached.addresses) };
  // One question per name in flight, whoever asks meanwhile waits for its answer; each request
  // still has its own resolver_timeout (ctx->event). A failure is not kept: ngx_resolver_process_a
  // deletes the node, so the next request asks again.
  let lookupAll = state.pending.get(name);
  if (lookupAll === undefined) {
    lookupAll = ask(state, conf, name).finally(() => state.pending.delete(name));
    state.pending.set(name, lookupAll);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Resolution>((res) => {
    timer = setTimeout(() => res(failure(110)), conf.timeout);
  });
  const result = await Promise.race([lookupAll, timeout]);
  clearTimeout(timer);
  return result.ok ? { ok: true, addresses: rotate(result.addresses) } : result;
}

/** Asks the name servers for `name` (A, and AAAA unless ipv6=off) and keeps a success for its TTL or valid=. */
async function ask(state: ResolverState, conf: ResolverConf, name: string): Promise<Resolution> {
  const r = await state.ready;
  if (!state.connected) {
    // ngx_udp_connect numbers the connection from the process's counter, once: it stays open.
    state.connected = true;
    takeConnectionNumber();
  }
  const [a, aaaa] = await Promise.all([query(r, name, false), conf.ipv6 ? query(r, name, true) : Promise.resolve(null)]);
  const addresses = [...('addresses' in a ? a.addresses : []), ...(aaaa !== null && 'addresses' in aaaa ? aaaa.addresses : [])];
  if (addresses.length === 0) {
    const code = 'error' in a ? a.error : aaaa !== null && 'error' in aaaa ? aaaa.error : 'ENODATA';
    return failure(STATE_OF[code] ?? 2);
  }
  const ttls = [a, aaaa].flatMap((x) => (x !== null && 'ttl' in x ? [x.ttl] : []));
  const valid = conf.valid ?? Math.min(...ttls) * 1000;
  state.cache.set(name, { addresses, expires: Date.now() + valid });
  return { ok: true, addresses };
}

// ngx_resolver_export with rotation: the addresses from a random one on.
function rotate(addresses: readonly string[]): string[] {
  if (addresses.length < 2) return [...addresses];
  const start = Math.floor(Math.random() * addresses.length);
  return [...addresses.slice(start), ...addresses.slice(0, start)];
}
