/**
 * nginx's command line (`[-?hvVtTq] [-s signal] [-p prefix] [-e filename] [-c filename]
 * [-g directives]`), read as ngx_get_options reads it, plus ngts's subcommands.
 */
import { isAbsolute, resolve } from 'node:path';

export interface NginxOptions {
  help: boolean;
  version: boolean;
  versionFull: boolean;
  test: boolean;
  dump: boolean;
  quiet: boolean;
  signal?: string;
  prefix?: string;
  errorLog?: string;
  conf?: string;
  globals?: string;
  /** Arguments that are not nginx options (for subcommands). */
  rest: string[];
}

/** An option error, worded as nginx words it. */
export class OptionError extends Error {}

/** Parses nginx-style options; stops at the first argument that is not an option. */
export function parseNginxOptions(argv: readonly string[]): NginxOptions {
  const o: NginxOptions = { help: false, version: false, versionFull: false, test: false, dump: false, quiet: false, rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') break;
    // nginx accepts grouped flags (-tq) and values glued or separate (-c file, -cfile).
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const takeValue = (name: string): string => {
        const glued = a.slice(j + 1);
        j = a.length;
        if (glued) return glued;
        const next = argv[++i];
        if (next === undefined) throw new OptionError(`option "-${name}" requires ${name === 's' ? 'signal name' : name === 'g' ? 'parameter' : name === 'p' ? 'directory name' : 'file name'}`);
        return next;
      };
      switch (c) {
        case '?':
        case 'h':
          o.help = true;
          break;
        case 'v':
          o.version = true;
          break;
        case 'V':
          o.version = true;
          o.versionFull = true;
          break;
        case 't':
          o.test = true;
          break;
        case 'T':
          o.test = true;
          o.dump = true;
          break;
        case 'q':
          o.quiet = true;
          break;
        case 'p':
          o.prefix = takeValue('p');
          break;
        case 'e':
          o.errorLog = takeValue('e');
          break;
        case 'c':
          o.conf = takeValue('c');
          break;
        case 'g':
          o.globals = takeValue('g');
          break;
        case 's': {
          const s = takeValue('s');
          if (!['stop', 'quit', 'reopen', 'reload'].includes(s)) throw new OptionError(`invalid option: "-s ${s}"`);
          o.signal = s;
          break;
        }
        default:
          throw new OptionError(`invalid option: "${a.slice(j)}"`);
      }
    }
  }
  o.rest = argv.slice(i) as string[];
  return o;
}

/** The prefix with a trailing slash; ngts's default prefix is the current directory. */
export function resolvePrefix(prefix: string | undefined, cwd: string = process.cwd()): string {
  const p = prefix === undefined ? cwd : isAbsolute(prefix) ? prefix : resolve(cwd, prefix);
  return p.endsWith('/') ? p : p + '/';
}

/**
 * ngx_process_options: the configuration file relative to the prefix, and conf_prefix, the
 * directory of that file (includes resolve against it).
 */
export function resolveConf(prefix: string, conf: string | undefined): { file: string; confPrefix: string } {
  const name = conf ?? 'nginx.conf';
  const file = isAbsolute(name) ? name : prefix + name;
  const slash = file.lastIndexOf('/');
  return { file, confPrefix: file.slice(0, slash + 1) };
}
