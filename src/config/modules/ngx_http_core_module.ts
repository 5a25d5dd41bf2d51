/**
 * ngx_http_core_module (src/http/ngx_http_core_module.c): servers, locations, listen sockets,
 * document roots, timeouts, body limits, error pages. The command table follows nginx's order.
 *
 * Setters that need the enclosing location read `cx.level.get('location:modifier')` ('=', '^~', '~',
 * '~*', '@', '' for a prefix; undefined outside a location) and `cx.level.get('location:name')`
 * (nginx's clcf->name): the dispatcher sets both on entering a location and passes them down.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter, SetterContext } from '../registry/types.js';
import { compilePcre } from '../regex.js';
import { logSetLog } from './ngx_errlog_module.js';
import { threadPoolAdd } from './ngx_thread_pool_module.js';
import {
  bufsSlot,
  complexValueSizeSlot,
  ignoredOnLinux,
  isDuplicate,
  pathSlot,
  poolSize,
  values,
} from './setters.js';
import {
  listenAddrText,
  parseErrorPageStatus,
  parseListen,
  type Listen,
  parseLocation,
  parseNumber,
  parseOffset,
  parseTime,
  parseUrl,
} from '../values.js';

const M = 'ngx_http_core_module';
const MAIN: readonly Context[] = ['HTTP_MAIN'];
const MS: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV'];
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];
const MSLI: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LIF'];
const LOC: readonly Context[] = ['HTTP_LOC'];

/**
 * ngx_http_core_location: the modifier, then the nesting rules for a location inside a location.
 * Regular expressions are compiled by PCRE in nginx; their syntax errors are not modelled here.
 */
const coreLocation: Setter = (cx, args) => {
  const parsed = parseLocation(values(args));
  if (parsed === null) {
    cx.error(`invalid location modifier "${args[0]?.value ?? ''}"`);
    return;
  }
  // ngx_http_core_location compiles the regex before it looks at the enclosing location.
  if (parsed.modifier === '~' || parsed.modifier === '~*') {
    const re = compilePcre(parsed.name, parsed.modifier === '~*');
    if (!re.ok && re.kind === 'invalid') {
      cx.error(re.message);
      return;
    }
  }
  if (cx.context !== 'HTTP_LOC') return;
  const parentModifier = cx.level.get('location:modifier');
  const parentName = String(cx.level.get('location:name') ?? '');
  const regex = parsed.modifier === '~' || parsed.modifier === '~*';
  if (parentModifier === '=') {
    cx.error(`location "${parsed.name}" cannot be inside the exact location "${parentName}"`);
    return;
  }
  if (parentModifier === '@') {
    cx.error(`location "${parsed.name}" cannot be inside the named location "${parentName}"`);
    return;
  }
  if (parsed.modifier === '@') {
    cx.error(`named location "${parsed.name}" can be on the server level only`);
    return;
  }
  // Compared with strncmp over the parent's length: a prefix of the parent's name (even of a regex
  // parent's source text) is inside it.
  if (!regex && !parsed.name.startsWith(parentName)) {
    cx.error(`location "${parsed.name}" is outside location "${parentName}"`);
  }
};

/**
 * ngx_http_core_listen: the address and parameters (see parseListen). Host names are resolved by
 * nginx here (`host not found in "%V" of the "listen" directive`); ngts leaves that to the compile
 * step. Duplicate listen options are a post-parse check, not made here.
 */
/**
 * ngx_http_core_type: each line is a content type and its extensions; an extension given twice at
 * one level is a warning naming both types (the later type wins).
 */
const coreTypes: Setter = (cx) => {
  let seen = cx.level.get('types:extensions') as Map<string, string> | undefined;
  if (!seen) {
    seen = new Map();
    cx.level.set('types:extensions', seen);
  }
  for (const s of cx.directive.block ?? []) {
    if (s.kind !== 'directive' || s.name === 'include') continue;
    for (const a of s.args) {
      const ext = a.value.toLowerCase();
      const previous = seen.get(ext);
      if (previous !== undefined) {
        cx.errorAt(s.span.file, s.terminator, `duplicate extension "${a.value}", content type: "${s.name}", previous content type: "${previous}"`, 'warn');
      }
      seen.set(ext, s.name);
    }
  }
};

const coreListen: Setter = (cx, args) => {
  const r = parseListen(values(args));
  // accept_filter= is logged at emerg level, yet nginx goes on: not fatal.
  for (const n of r.notices) cx.error(n.message, 'emerg', false);
  if (!r.ok) {
    cx.error(r.error);
    return;
  }
  addListen(cx, r.listen);
};

interface ListenAddrState {
  readonly servers: Set<Map<string, unknown>>;
  defaultServer: boolean;
  optionsSet: boolean;
}

/**
 * ngx_http_add_listen / ngx_http_add_addresses / ngx_http_add_server: the same address twice in
 * one server, two servers that both set socket options or both claim default_server for one
 * address. nginx checks these as it reads each `listen`. The server is known by its level map.
 */
function addListen(cx: SetterContext, listen: Listen): void {
  let table = cx.global.get('ngx_http_core_module:listen') as Map<string, ListenAddrState> | undefined;
  if (!table) {
    table = new Map();
    cx.global.set('ngx_http_core_module:listen', table);
  }
  const text = listenAddrText(listen.url);
  let state = table.get(text);
  if (!state) {
    state = { servers: new Set(), defaultServer: false, optionsSet: false };
    table.set(text, state);
  }
  if (state.servers.has(cx.level)) {
    cx.error(`a duplicate listen ${text}`);
    return;
  }
  state.servers.add(cx.level);
  if (listen.options.bind) {
    if (state.optionsSet) {
      cx.error(`duplicate listen options for ${text}`);
      return;
    }
    state.optionsSet = true;
  }
  if (listen.options.defaultServer) {
    if (state.defaultServer) {
      cx.error(`a duplicate default server for ${text}`);
      return;
    }
    state.defaultServer = true;
  }
}

/**
 * ngx_http_core_server_name: wildcard shape and the `/` warning. Regex names are compiled by PCRE
 * in nginx (not modelled beyond the empty regex); `invalid server name or wildcard` is a check of
 * the server names hash at the end of http, not made here.
 */
const coreServerName: Setter = (cx, args) => {
  for (const a of args) {
    const v = a.value;
    const ch = v.charAt(0);
    if ((ch === '*' && (v.length < 3 || v.charAt(1) !== '.')) || (ch === '.' && v.length < 2)) {
      cx.error(`server name "${v}" is invalid`);
      return;
    }
    if (v.includes('/')) cx.error(`server name "${v}" has suspicious symbols`, 'warn');
    if (v === '~') {
      cx.error(`empty regex in server name "${v}"`);
      return;
    }
    if (ch === '~') {
      const re = compilePcre(v.slice(1), false);
      if (!re.ok && re.kind === 'invalid') {
        cx.error(re.message);
        return;
      }
    }
  }
};

/**
 * ngx_http_core_root, for both `root` and `alias`: one of them per location, alias not in a named
 * location, and neither may use $document_root or $realpath_root.
 */
const coreRoot: Setter = (cx, args) => {
  const name = cx.directive.name;
  const alias = name === 'alias';
  const key = 'ngx_http_core_module:root';
  const earlier = cx.level.get(key);
  if (earlier !== undefined) {
    if (earlier === name) cx.fail('is duplicate');
    else cx.error(`"${name}" directive is duplicate, "${String(earlier)}" directive was specified earlier`);
    return;
  }
  if (alias && cx.level.get('location:modifier') === '@') {
    cx.error('the "alias" directive cannot be used inside the named location');
    return;
  }
  const v = args[0]?.value ?? '';
  if (v.includes('$document_root') || v.includes('${document_root}')) {
    cx.error(`the $document_root variable cannot be used in the "${name}" directive`);
    return;
  }
  if (v.includes('$realpath_root') || v.includes('${realpath_root}')) {
    cx.error(`the $realpath_root variable cannot be used in the "${name}" directive`);
    return;
  }
  cx.level.set(key, name);
};

/** ngx_methods_names of ngx_http_core_module.c. */
const METHODS = [
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'MKCOL', 'COPY', 'MOVE', 'OPTIONS', 'PROPFIND', 'PROPPATCH',
  'LOCK', 'UNLOCK', 'PATCH',
];

/** ngx_http_core_limit_except: once per location, known methods only (any case). */
const coreLimitExcept: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_core_module:limit_except')) return;
  for (const a of args) {
    if (!METHODS.includes(a.value.toUpperCase())) {
      cx.error(`invalid method "${a.value}"`);
      return;
    }
  }
};

/**
 * ngx_http_core_set_aio on the Debian build: threads yes, file AIO no (no --with-file-aio). A pool
 * named here and never declared (other than `default`) is nginx's cycle-time
 * `unknown thread pool "%V" in %s:%ui`, which names the first directive that used it, as the
 * deferred error here does.
 */
const coreSetAio: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_core_module:aio')) return;
  const v = args[0]?.value ?? '';
  if (v === 'off') return;
  if (v === 'on') {
    cx.error('"aio on" is unsupported on this platform');
    return;
  }
  if (v === 'threads' || v.startsWith('threads=')) {
    const name = v === 'threads' ? null : v.slice(8);
    // A pool name with variables is resolved per request.
    if (name !== null && name.includes('$')) return;
    const key = name ?? 'default';
    const { pools, first } = threadPoolAdd(cx, name);
    // nginx creates the `default` pool when it is used and not declared.
    if (first && key !== 'default') {
      cx.defer('cycle', (later) => {
        if (pools.get(key) !== true) later.error(`unknown thread pool "${key}"`);
      });
    }
    return;
  }
  cx.fail('invalid value');
};

/** ngx_http_core_directio: `off` or an offset. */
const coreDirectio: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_core_module:directio')) return;
  const v = args[0]?.value ?? '';
  if (v !== 'off' && parseOffset(v) === null) cx.fail('invalid value');
};

/** ngx_http_core_keepalive: a timeout in ms and an optional `Keep-Alive: timeout=` in seconds. */
const coreKeepalive: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_core_module:keepalive_timeout')) return;
  if (parseTime(args[0]?.value ?? '', false) === null) {
    cx.fail('invalid value');
    return;
  }
  if (args.length === 2 && parseTime(args[1]?.value ?? '', true) === null) cx.fail('invalid value');
};

/** ngx_http_core_internal. */
const coreInternal: Setter = (cx) => {
  isDuplicate(cx, 'ngx_http_core_module:internal');
};

/**
 * ngx_http_core_error_page: `code... [=[response]] uri`. Codes are 300..599 except 499; a `=`
 * may not stand first. The URI's variables are compiled by nginx (not checked here).
 */
const coreErrorPage: Setter = (cx, args) => {
  const n = args.length;
  const eq = args[n - 2]?.value ?? '';
  let codes = n - 1;
  if (eq.startsWith('=')) {
    if (n - 2 === 0) {
      cx.error(`invalid value "${eq}"`);
      return;
    }
    if (eq.length > 1 && parseNumber(eq.slice(1)) === null) {
      cx.error(`invalid value "${eq}"`);
      return;
    }
    codes = n - 2;
  }
  for (const a of args.slice(0, codes)) {
    const r = parseErrorPageStatus(a.value);
    if (r.ok) continue;
    cx.error(r.reason === 'invalid' ? `invalid value "${a.value}"` : `value "${a.value}" must be between 300 and 599`);
    return;
  }
};

/** ngx_http_core_open_file_cache: `off`, or `max=N [inactive=time]`. */
const coreOpenFileCache: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_core_module:open_file_cache')) return;
  let max = 0;
  let off = false;
  for (const a of args) {
    const v = a.value;
    let ok = false;
    if (v.startsWith('max=')) {
      max = parseNumber(v.slice(4)) ?? 0;
      ok = max > 0;
    } else if (v.startsWith('inactive=')) {
      ok = parseTime(v.slice(9), true) !== null;
    } else if (v === 'off') {
      off = true;
      ok = true;
    }
    if (!ok) {
      cx.error(`invalid "open_file_cache" parameter "${v}"`);
      return;
    }
  }
  if (!off && max === 0) cx.error('"open_file_cache" must have the "max" parameter');
};

/**
 * ngx_http_core_resolver → ngx_resolver_create: name servers and `valid=`, `ipv6=`. Name servers
 * given as host names are resolved by nginx (not here).
 */
const coreResolver: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_core_module:resolver')) return;
  let servers = 0;
  for (const a of args) {
    const v = a.value;
    if (v.startsWith('valid=')) {
      if (parseTime(v.slice(6), true) === null) {
        cx.error(`invalid parameter: ${v}`);
        return;
      }
      continue;
    }
    if (v.startsWith('ipv6=')) {
      if (v !== 'ipv6=on' && v !== 'ipv6=off') {
        cx.error(`invalid parameter: ${v}`);
        return;
      }
      continue;
    }
    const u = parseUrl(v, { defaultPort: 53 });
    if (!u.ok) {
      cx.error(`${u.err} in resolver "${v}"`);
      return;
    }
    servers++;
  }
  if (servers === 0) cx.error('no name servers defined');
};

/** ngx_http_disable_symlinks: `off | on | if_not_owner [from=part]`. */
const disableSymlinks: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_core_module:disable_symlinks')) return;
  let mode: string | null = null;
  let from = false;
  for (const a of args) {
    const v = a.value;
    if (v === 'off' || v === 'on' || v === 'if_not_owner') mode = v;
    else if (v.startsWith('from=')) from = true;
    else {
      cx.error(`invalid parameter "${v}"`);
      return;
    }
  }
  if (mode === null) {
    cx.error(`"${cx.directive.name}" must have "off", "on" or "if_not_owner" parameter`);
    return;
  }
  if (args.length === 1) return;
  if (!from) {
    cx.error(`duplicate parameters "${args[0]?.value ?? ''} ${args[1]?.value ?? ''}"`);
    return;
  }
  if (mode === 'off') cx.error('"from=" cannot be used with "off" parameter');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'variables_hash_max_size', module: M, contexts: MAIN, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'variables_hash_bucket_size', module: M, contexts: MAIN, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'server_names_hash_max_size', module: M, contexts: MAIN, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'server_names_hash_bucket_size', module: M, contexts: MAIN, args: [1], slot: { kind: 'num' }, effect: 'none' },
  {
    name: 'server',
    module: M,
    contexts: MAIN,
    args: [0],
    block: { kind: 'directives', context: 'HTTP_SRV' },
    slot: { kind: 'none' },
    effect: 'runtime',
  },
  { name: 'connection_pool_size', module: M, contexts: MS, args: [1], slot: { kind: 'size' }, set: poolSize, effect: 'none' },
  { name: 'request_pool_size', module: M, contexts: MS, args: [1], slot: { kind: 'size' }, set: poolSize, effect: 'none' },
  { name: 'client_header_timeout', module: M, contexts: MS, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'client_header_buffer_size', module: M, contexts: MS, args: [1], slot: { kind: 'size' }, effect: 'none' },
  {
    name: 'large_client_header_buffers',
    module: M,
    contexts: MS,
    args: [2],
    slot: { kind: 'none' },
    set: bufsSlot,
    effect: 'runtime',
  },
  { name: 'ignore_invalid_headers', module: M, contexts: MS, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'merge_slashes', module: M, contexts: MS, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'underscores_in_headers', module: M, contexts: MS, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  {
    name: 'location',
    module: M,
    contexts: ['HTTP_SRV', 'HTTP_LOC'],
    args: [1, 2],
    block: { kind: 'directives', context: 'HTTP_LOC' },
    slot: { kind: 'none' },
    set: coreLocation,
    effect: 'runtime',
  },
  { name: 'listen', module: M, contexts: ['HTTP_SRV'], args: '1MORE', slot: { kind: 'none' }, set: coreListen, effect: 'runtime' },
  {
    name: 'server_name',
    module: M,
    contexts: ['HTTP_SRV'],
    args: '1MORE',
    slot: { kind: 'none' },
    set: coreServerName,
    effect: 'runtime',
  },
  { name: 'types_hash_max_size', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'types_hash_bucket_size', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  // ngx_http_core_types: no duplicate check, several `types` blocks add up.
  {
    name: 'types',
    module: M,
    contexts: MSL,
    args: [0],
    block: { kind: 'freeform' },
    slot: { kind: 'none' },
    set: coreTypes,
    effect: 'runtime',
  },
  { name: 'default_type', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  { name: 'root', module: M, contexts: MSLI, args: [1], slot: { kind: 'none' }, set: coreRoot, effect: 'runtime' },
  { name: 'alias', module: M, contexts: LOC, args: [1], slot: { kind: 'none' }, set: coreRoot, effect: 'runtime' },
  {
    name: 'limit_except',
    module: M,
    contexts: LOC,
    args: '1MORE',
    block: { kind: 'directives', context: 'HTTP_LMT' },
    slot: { kind: 'none' },
    set: coreLimitExcept,
    effect: 'runtime',
  },
  { name: 'client_max_body_size', module: M, contexts: MSL, args: [1], slot: { kind: 'off' }, effect: 'runtime' },
  { name: 'client_body_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'client_body_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  {
    name: 'client_body_temp_path',
    module: M,
    contexts: MSL,
    args: [1, 2, 3, 4],
    slot: { kind: 'none' },
    set: pathSlot,
    effect: 'none',
  },
  {
    name: 'client_body_in_file_only',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'enum', values: ['off', 'on', 'clean'] },
    effect: 'none',
  },
  { name: 'client_body_in_single_buffer', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'sendfile', module: M, contexts: MSLI, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'sendfile_max_chunk', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'subrequest_output_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'aio', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: coreSetAio, effect: 'none' },
  { name: 'aio_write', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'read_ahead', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'directio', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: coreDirectio, effect: 'none' },
  { name: 'directio_alignment', module: M, contexts: MSL, args: [1], slot: { kind: 'off' }, effect: 'none' },
  { name: 'tcp_nopush', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'tcp_nodelay', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'send_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  {
    name: 'send_lowat',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'size' },
    // Linux has no settable SO_SNDLOWAT: ngx_http_core_lowat_check warns and ignores the value.
    set: ignoredOnLinux('"send_lowat" is not supported, ignored'),
    effect: 'none',
  },
  { name: 'postpone_output', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'limit_rate', module: M, contexts: MSLI, args: [1], slot: { kind: 'none' }, set: complexValueSizeSlot, effect: 'runtime' },
  {
    name: 'limit_rate_after',
    module: M,
    contexts: MSLI,
    args: [1],
    slot: { kind: 'none' },
    set: complexValueSizeSlot,
    effect: 'runtime',
  },
  { name: 'keepalive_time', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'keepalive_timeout', module: M, contexts: MSL, args: [1, 2], slot: { kind: 'none' }, set: coreKeepalive, effect: 'runtime' },
  { name: 'keepalive_requests', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'runtime' },
  {
    name: 'keepalive_disable',
    module: M,
    contexts: MSL,
    args: [1, 2],
    slot: { kind: 'bitmask', values: ['none', 'msie6', 'safari'] },
    effect: 'none',
  },
  { name: 'satisfy', module: M, contexts: MSL, args: [1], slot: { kind: 'enum', values: ['all', 'any'] }, effect: 'runtime' },
  { name: 'auth_delay', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'internal', module: M, contexts: LOC, args: [0], slot: { kind: 'none' }, set: coreInternal, effect: 'runtime' },
  {
    name: 'lingering_close',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'enum', values: ['off', 'on', 'always'] },
    effect: 'none',
  },
  { name: 'lingering_time', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'lingering_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'reset_timedout_connection', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'absolute_redirect', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'server_name_in_redirect', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'port_in_redirect', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'msie_padding', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'msie_refresh', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'log_not_found', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'log_subrequest', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'recursive_error_pages', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  {
    name: 'server_tokens',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'enum', values: ['off', 'on', 'build'] },
    effect: 'runtime',
  },
  {
    name: 'if_modified_since',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'enum', values: ['off', 'exact', 'before'] },
    effect: 'runtime',
  },
  { name: 'max_ranges', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'runtime' },
  { name: 'chunked_transfer_encoding', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'etag', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'error_page', module: M, contexts: MSLI, args: '2MORE', slot: { kind: 'none' }, set: coreErrorPage, effect: 'runtime' },
  { name: 'post_action', module: M, contexts: MSLI, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'error_log', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: logSetLog, effect: 'runtime' },
  {
    name: 'open_file_cache',
    module: M,
    contexts: MSL,
    args: [1, 2],
    slot: { kind: 'none' },
    set: coreOpenFileCache,
    effect: 'none',
  },
  { name: 'open_file_cache_valid', module: M, contexts: MSL, args: [1], slot: { kind: 'sec' }, effect: 'none' },
  { name: 'open_file_cache_min_uses', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'open_file_cache_errors', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'open_file_cache_events', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'resolver', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: coreResolver, effect: 'runtime' },
  { name: 'resolver_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'gzip_vary', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  {
    name: 'gzip_http_version',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'enum', values: ['1.0', '1.1'] },
    effect: 'none',
  },
  {
    name: 'gzip_proxied',
    module: M,
    contexts: MSL,
    args: '1MORE',
    slot: {
      kind: 'bitmask',
      values: ['off', 'expired', 'no-cache', 'no-store', 'private', 'no_last_modified', 'no_etag', 'auth', 'any'],
    },
    effect: 'none',
  },
  // ngx_http_gzip_disable: `msie6`, `degradation` or PCRE regexes (their syntax is not checked here).
  { name: 'gzip_disable', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  {
    name: 'disable_symlinks',
    module: M,
    contexts: MSL,
    args: [1, 2],
    slot: { kind: 'none' },
    set: disableSymlinks,
    effect: 'none',
  },
];

export const ngxHttpCoreModule: ModuleSpec = { name: M, directives };
