/**
 * The first half of ngts's command tables: the core, events, http core, upstream, proxy, ssl, http2,
 * gzip, log, headers, index, try_files and static modules, in nginx's module order (objs/ngx_modules.c
 * of the Debian build) as far as these go.
 */
import type { ModuleSpec } from '../registry/types.js';
import { ngxCoreModule } from './ngx_core_module.js';
import { ngxEpollModule } from './ngx_epoll_module.js';
import { ngxErrlogModule } from './ngx_errlog_module.js';
import { ngxEventCoreModule } from './ngx_event_core_module.js';
import { ngxEventsModule } from './ngx_events_module.js';
import { ngxHttpChunkedFilterModule } from './ngx_http_chunked_filter_module.js';
import { ngxHttpCoreModule } from './ngx_http_core_module.js';
import { ngxHttpGunzipFilterModule } from './ngx_http_gunzip_filter_module.js';
import { ngxHttpGzipFilterModule } from './ngx_http_gzip_filter_module.js';
import { ngxHttpGzipStaticModule } from './ngx_http_gzip_static_module.js';
import { ngxHttpHeadersFilterModule } from './ngx_http_headers_filter_module.js';
import { ngxHttpIndexModule } from './ngx_http_index_module.js';
import { ngxHttpLogModule } from './ngx_http_log_module.js';
import { ngxHttpModule } from './ngx_http_module.js';
import { ngxHttpProxyModule } from './ngx_http_proxy_module.js';
import { ngxHttpSslModule } from './ngx_http_ssl_module.js';
import { ngxHttpStaticModule } from './ngx_http_static_module.js';
import { ngxHttpStubStatusModule } from './ngx_http_stub_status_module.js';
import { ngxHttpTryFilesModule } from './ngx_http_try_files_module.js';
import { ngxHttpUpstreamHashModule } from './ngx_http_upstream_hash_module.js';
import { ngxHttpUpstreamIpHashModule } from './ngx_http_upstream_ip_hash_module.js';
import { ngxHttpUpstreamKeepaliveModule } from './ngx_http_upstream_keepalive_module.js';
import { ngxHttpUpstreamLeastConnModule } from './ngx_http_upstream_least_conn_module.js';
import { ngxHttpUpstreamModule } from './ngx_http_upstream_module.js';
import { ngxHttpUpstreamRandomModule } from './ngx_http_upstream_random_module.js';
import { ngxHttpUpstreamZoneModule } from './ngx_http_upstream_zone_module.js';
import { ngxHttpV2Module } from './ngx_http_v2_module.js';
import { ngxOpensslModule } from './ngx_openssl_module.js';
import { ngxRegexModule } from './ngx_regex_module.js';
import { ngxThreadPoolModule } from './ngx_thread_pool_module.js';

/** Part A of the registry's modules. */
export const partA: readonly ModuleSpec[] = [
  ngxCoreModule,
  ngxErrlogModule,
  ngxOpensslModule,
  ngxRegexModule,
  ngxEventsModule,
  ngxEventCoreModule,
  ngxEpollModule,
  ngxThreadPoolModule,
  ngxHttpModule,
  ngxHttpCoreModule,
  ngxHttpLogModule,
  ngxHttpUpstreamModule,
  ngxHttpV2Module,
  ngxHttpStaticModule,
  ngxHttpGzipStaticModule,
  ngxHttpIndexModule,
  ngxHttpTryFilesModule,
  ngxHttpStubStatusModule,
  ngxHttpUpstreamHashModule,
  ngxHttpUpstreamIpHashModule,
  ngxHttpUpstreamLeastConnModule,
  ngxHttpUpstreamRandomModule,
  ngxHttpUpstreamKeepaliveModule,
  ngxHttpUpstreamZoneModule,
  ngxHttpProxyModule,
  ngxHttpSslModule,
  ngxHttpGzipFilterModule,
  ngxHttpGunzipFilterModule,
  ngxHttpHeadersFilterModule,
  ngxHttpChunkedFilterModule,
];
