// The yardstick of issue 5: a bare proxy on node:http and undici, with none of nginx's semantics
// (no config, no header rules, no variables, no logs). It forwards /pooled/X to the backend's /X
// over an undici Pool of 32 keep-alive connections, as nginx's `keepalive 32` upstream does, and
// streams the answer back. bench/http.mjs loads it in the same run as ngts and nginx, so that "beat
// the bare proxy" is a comparison on one machine at one time, not against figures from elsewhere.
// Run: node bench/bare-undici-proxy.mjs PORT BACKEND_PORT
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, backendPort] = process.argv.slice(2).map(Number);
const pool = new Pool(`http://127.0.0.1:${backendPort}`, { connections: 32 });
// Hop-by-hop headers undici refuses or must not forward.
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host']);

createServer((req, res) => {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v;
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool
    .request({ path: req.url.replace(/^\/pooled/, ''), method: req.method, headers, body: hasBody ? req : undefined })
    .then(
      ({ statusCode, headers: upstream, body }) => {
        for (const h of ['connection', 'keep-alive', 'transfer-encoding']) delete upstream[h];
        res.writeHead(statusCode, upstream);
        body.pipe(res);
      },
      () => {
        res.statusCode = 502;
        res.end();
      },
    );
}).listen(port, '127.0.0.1');
