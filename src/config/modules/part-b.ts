/**
 * The second half of ngts's command tables: the rewrite, map, access, auth, limit, realip, geo,
 * split_clients, referer, mirror and secure_link modules that ngts runs, and the modules it accepts
 * without effect (fastcgi, uwsgi, scgi, grpc, memcached, charset, ssi, userid, browser, empty_gif,
 * autoindex, dav, slice, flv, mp4, sub, addition, random_index, copy, header_count), in nginx's
 * module order (the ngx_modules array of the Debian build).
 *
 * Every directive, context and argument count was read from that nginx binary's ngx_command_t tables.
 * Modules that nginx-light 1.22 only has as dynamic modules (stream, mail, perl, xslt, geoip,
 * image_filter) are not declared: nginx says `unknown directive` for them unless load_module is used.
 */
import type { ModuleSpec } from '../registry/types.js';
import { ngxHttpAccessModule } from './ngx_http_access_module.js';
import { ngxHttpAdditionFilterModule } from './ngx_http_addition_filter_module.js';
import { ngxHttpAuthBasicModule } from './ngx_http_auth_basic_module.js';
import { ngxHttpAuthRequestModule } from './ngx_http_auth_request_module.js';
import { ngxHttpAutoindexModule } from './ngx_http_autoindex_module.js';
import { ngxHttpBrowserModule } from './ngx_http_browser_module.js';
import { ngxHttpCharsetFilterModule } from './ngx_http_charset_filter_module.js';
import { ngxHttpCopyFilterModule } from './ngx_http_copy_filter_module.js';
import { ngxHttpDavModule } from './ngx_http_dav_module.js';
import { ngxHttpEmptyGifModule } from './ngx_http_empty_gif_module.js';
import { ngxHttpFastcgiModule } from './ngx_http_fastcgi_module.js';
import { ngxHttpFlvModule } from './ngx_http_flv_module.js';
import { ngxHttpGeoModule } from './ngx_http_geo_module.js';
import { ngxHttpGrpcModule } from './ngx_http_grpc_module.js';
import { ngxHttpHeaderCountModule } from './ngx_http_header_count_module.js';
import { ngxHttpLimitConnModule } from './ngx_http_limit_conn_module.js';
import { ngxHttpLimitReqModule } from './ngx_http_limit_req_module.js';
import { ngxHttpMapModule } from './ngx_http_map_module.js';
import { ngxHttpMemcachedModule } from './ngx_http_memcached_module.js';
import { ngxHttpMirrorModule } from './ngx_http_mirror_module.js';
import { ngxHttpMp4Module } from './ngx_http_mp4_module.js';
import { ngxHttpRandomIndexModule } from './ngx_http_random_index_module.js';
import { ngxHttpRealipModule } from './ngx_http_realip_module.js';
import { ngxHttpRefererModule } from './ngx_http_referer_module.js';
import { ngxHttpRewriteModule } from './ngx_http_rewrite_module.js';
import { ngxHttpScgiModule } from './ngx_http_scgi_module.js';
import { ngxHttpSecureLinkModule } from './ngx_http_secure_link_module.js';
import { ngxHttpSliceFilterModule } from './ngx_http_slice_filter_module.js';
import { ngxHttpSplitClientsModule } from './ngx_http_split_clients_module.js';
import { ngxHttpSsiFilterModule } from './ngx_http_ssi_filter_module.js';
import { ngxHttpSubFilterModule } from './ngx_http_sub_filter_module.js';
import { ngxHttpUseridFilterModule } from './ngx_http_userid_filter_module.js';
import { ngxHttpUwsgiModule } from './ngx_http_uwsgi_module.js';

/** Part B of the registry's modules. */
export const partB: readonly ModuleSpec[] = [
  ngxHttpHeaderCountModule,
  ngxHttpDavModule,
  ngxHttpAutoindexModule,
  ngxHttpRandomIndexModule,
  ngxHttpMirrorModule,
  ngxHttpAuthRequestModule,
  ngxHttpAuthBasicModule,
  ngxHttpAccessModule,
  ngxHttpLimitConnModule,
  ngxHttpLimitReqModule,
  ngxHttpRealipModule,
  ngxHttpGeoModule,
  ngxHttpMapModule,
  ngxHttpSplitClientsModule,
  ngxHttpRefererModule,
  ngxHttpRewriteModule,
  ngxHttpFastcgiModule,
  ngxHttpUwsgiModule,
  ngxHttpScgiModule,
  ngxHttpGrpcModule,
  ngxHttpMemcachedModule,
  ngxHttpEmptyGifModule,
  ngxHttpBrowserModule,
  ngxHttpSecureLinkModule,
  ngxHttpFlvModule,
  ngxHttpMp4Module,
  ngxHttpSsiFilterModule,
  ngxHttpCharsetFilterModule,
  ngxHttpSubFilterModule,
  ngxHttpAdditionFilterModule,
  ngxHttpUseridFilterModule,
  ngxHttpCopyFilterModule,
  ngxHttpSliceFilterModule,
];
