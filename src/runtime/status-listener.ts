/**
 * `ngts run --status ADDR:PORT`: a listener of ngts's own, apart from every configured one, that
 * answers `GET /status` with the upstream peer report as JSON and `GET /status.txt` (or
 * `/status?format=text`) as text. It exists only when asked for, so a configuration behaves as
 * under nginx whether or not it runs; its connections are not counted by stub_status.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errnoText } from '../config/source.js';
import { formatStatusReport, type StatusReport } from './upstream/peer-status.js';

/** Where the status listener binds: `PORT`, `ADDR:PORT` or `[IPv6]:PORT`; null when unreadable. */
export function parseStatusAddress(text: string): { host: string; port: number } | null {
  const m = /^(?:(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text);
  if (m === null) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  const host = m[1] === undefined ? '127.0.0.1' : m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return { host, port };
}

export class StatusListener {
  private readonly server: Server;

  /**
   * `report` makes the report of the running configuration (it changes at a reload); with worker
   * processes the master gathers it from every worker.
   */
  constructor(private readonly report: () => StatusReport | Promise<StatusReport>) {
    this.server = createServer((req, res) => void this.answer(req, res));
  }

  /** Binds; rejects with `bind() to ADDR:PORT failed (…)`. */
  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`bind() to ${host.includes(':') ? `[${host}]` : host}:${port} failed ${errnoText(e)}`)));
      this.server.listen({ host, port }, () => resolve());
    });
  }

  /** The bound port (for port 0). */
  port(): number {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections();
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://status');
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(405, 'text/plain; charset=utf-8', 'only GET and HEAD\n');
      return;
    }
    const text = url.pathname === '/status.txt' || (url.pathname === '/status' && url.searchParams.get('format') === 'text');
    if (url.pathname !== '/status' && !text) {
      send(404, 'text/plain; charset=utf-8', 'ngts status: GET /status (JSON) or /status.txt (text)\n');
      return;
    }
    const report = await this.report();
    if (text) send(200, 'text/plain; charset=utf-8', formatStatusReport(report));
    else send(200, 'application/json', JSON.stringify(report, null, 2) + '\n');
  }
}
