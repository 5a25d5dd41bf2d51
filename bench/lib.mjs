// What the benchmarks share: ports from port 0, waiting for a listener, and a process's CPU time
// and peak memory from /proc (null off Linux).
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A port nothing listens on right now (127.0.0.1, from port 0). */
export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:port accepts a connection (10 s at most). */
export async function waitPort(port) {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** CPU seconds (user + system) the process has used, from /proc/PID/stat; null off Linux. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted from the state field (3) here.
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** Peak resident set size in MiB (VmHWM), or null. */
/** Resets `pid`'s peak RSS (VmHWM) to its RSS now (Linux: clear_refs 5); false when it cannot. */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export function peakRssMiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The nginx.conf frame the benchmarks share: in the foreground, the error log, pid file and every
 * temp path in `dir`, no access log; `main` holds the process directives, `http` the http block's
 * contents (indented as they are to stand inside it).
 */
export function benchConf(dir, http, main = 'master_process off;') {
  return `daemon off;
${main}
error_log ${dir}/error.log;
pid ${dir}/run.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/px; fastcgi_temp_path ${dir}/fc;
    uwsgi_temp_path ${dir}/uw; scgi_temp_path ${dir}/sc;
${http}}
`;
}
