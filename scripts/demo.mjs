// `npm start`: runs the bundled demo (fixtures/demo: the seed's Warehouse API gateway with demo
// backends) and prints its URL and curl commands that show routing, API-key auth and JSON errors.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const child = spawn(process.execPath, ['bin/ngts.js', '-p', 'fixtures/demo/', '-c', 'nginx.conf', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 1));

const up = () =>
  new Promise((resolve) => {
    const s = connect(8080, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
for (let i = 0; i < 100 && !(await up()); i++) await new Promise((r) => setTimeout(r, 50));

const key = '7B5zIqmRGXmrJTFmKa99vcit';
process.stdout.write(`
ngts demo: the Warehouse API gateway at http://127.0.0.1:8080/api/warehouse/ (Ctrl-C stops it)

  # routing: inventory and pricing go to their upstreams (round robin over three backends each)
  curl -i -H 'apikey: ${key}' http://127.0.0.1:8080/api/warehouse/inventory
  curl -i -H 'apikey: ${key}' http://127.0.0.1:8080/api/warehouse/pricing/item001
  # API keys: none → 401, unknown → 403, both as JSON
  curl -i http://127.0.0.1:8080/api/warehouse/inventory
  curl -i -H 'apikey: wrong' http://127.0.0.1:8080/api/warehouse/inventory
  # JSON errors: an unknown API path is a bad request
  curl -i -H 'apikey: ${key}' http://127.0.0.1:8080/api/warehouse/nope
  # why did a request go there?
  npx ngts route -p fixtures/demo/ -c nginx.conf --host api.example.com /api/warehouse/pricing/item001

`);
