/**
 * A name server for `resolver` tests: UDP on 127.0.0.1 port 0, answering from the name alone so that
 * nginx and ngts, each with their own server, see the same answers.
 *
 *   NAME.test              A 127.0.0.1 (TTL 30); AAAA and other types: no data
 *   NAME.nx.test           NXDOMAIN (3)
 *   NAME.servfail.test     SERVFAIL (2)
 *   NAME.refused.test      REFUSED (5)
 *   NAME.nodata.test       no error, no records of any type
 *   NAME.silent.test       no answer at all (the resolver times out)
 *   NAME.slow.test         as NAME.test, answered after 150 ms (requests meanwhile wait for the same question)
 *   anything else          NXDOMAIN
 */
import dgram from 'node:dgram';

export interface DnsServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, for `resolver`. */
  readonly address: string;
  /** Every question received so far: `A name`, `AAAA name`. */
  readonly questions: string[];
  close(): Promise<void>;
}

const A = 1;
const AAAA = 28;

/** The question of a query: name, type and where the question section ends. */
function question(msg: Buffer): { name: string; type: number; end: number } | null {
  let pos = 12;
  const labels: string[] = [];
  for (;;) {
    const len = msg[pos];
    if (len === undefined || len >= 64) return null;
    pos++;
    if (len === 0) break;
    labels.push(msg.subarray(pos, pos + len).toString('latin1'));
    pos += len;
  }
  if (pos + 4 > msg.length) return null;
  return { name: labels.join('.'), type: msg.readUInt16BE(pos), end: pos + 4 };
}

/** The answer to one query, or null for none (`silent`). */
function answer(msg: Buffer): Buffer | null {
  if (msg.length < 12) return null;
  const q = question(msg);
  if (q === null) return null;
  const name = q.name.toLowerCase();
  if (name.endsWith('.silent.test')) return null;
  let rcode = 0;
  const records: Buffer[] = [];
  if (!name.endsWith('.test') || name.endsWith('.nx.test')) rcode = 3;
  else if (name.endsWith('.servfail.test')) rcode = 2;
  else if (name.endsWith('.refused.test')) rcode = 5;
  else if (!name.endsWith('.nodata.test') && q.type === A) {
    // A pointer to the question's name, type A, class IN, TTL 30, 4 bytes of address.
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(A, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(30, 6);
    rr.writeUInt16BE(4, 10);
    Buffer.from([127, 0, 0, 1]).copy(rr, 12);
    records.push(rr);
  }
  const head = Buffer.alloc(12);
  msg.copy(head, 0, 0, 2);
  // QR, the query's opcode and RD, RA; the rcode.
  head[2] = 0x80 | (msg[2]! & 0x79);
  head[3] = 0x80 | rcode;
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(records.length, 6);
  return Buffer.concat([head, msg.subarray(12, q.end), ...records]);
}

/** Starts a name server on 127.0.0.1, port chosen by the kernel. */
export async function startDnsServer(): Promise<DnsServer> {
  const socket = dgram.createSocket('udp4');
  const questions: string[] = [];
  socket.on('message', (msg, from) => {
    const q = question(msg);
    if (q !== null) questions.push(`${q.type === A ? 'A' : q.type === AAAA ? 'AAAA' : String(q.type)} ${q.name}`);
    const out = answer(msg);
    if (out === null) return;
    const reply = (): void => {
      try {
        socket.send(out, from.port, from.address);
      } catch {
        /* closed meanwhile */
      }
    };
    if (q?.name.toLowerCase().endsWith('.slow.test')) setTimeout(reply, 150);
    else reply();
  });
  await new Promise<void>((res, rej) => {
    socket.once('error', rej);
    socket.bind(0, '127.0.0.1', () => res());
  });
  const port = socket.address().port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    questions,
    close: () => new Promise<void>((res) => socket.close(() => res())),
  };
}
