/**
 * `ngts run --watch`: watches the directories of every file the configuration read (so that
 * editors that replace a file, and new files matching an include glob, are seen) and reports a
 * change of a configuration file once things settle, for a reload.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { COMMAND_LINE, type CheckedConfig } from '../config/validate.js';

/** Editors write a file in several steps; one reload after they are done. */
const SETTLE_MS = 150;

export class ConfigWatcher {
  private handler: ((file: string) => void) | null = null;
  /** A change seen before a handler was set, delivered to the first one. */
  private missed: string | null = null;
  private readonly watchers = new Map<string, FSWatcher>();
  private files = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private pending: string | null = null;

  constructor(checked: CheckedConfig) {
    this.follow(checked);
  }

  /** Who hears of a change (a reload); a change seen before it was set is handed to it now. */
  set onChange(fn: ((file: string) => void) | null) {
    this.handler = fn;
    const missed = this.missed;
    this.missed = null;
    if (fn !== null && missed !== null) fn(missed);
  }

  /** Watches what this configuration read (after each reload: includes may have changed). */
  follow(checked: CheckedConfig): void {
    this.files = new Set(checked.files.map((f) => f.path).filter((p) => p !== COMMAND_LINE));
    const dirs = new Set([...this.files].map((f) => dirname(f)));
    for (const [dir, w] of this.watchers) {
      if (dirs.has(dir)) continue;
      w.close();
      this.watchers.delete(dir);
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, (_event, name) => this.seen(dir, name === null ? null : String(name)));
        w.on('error', () => undefined);
        this.watchers.set(dir, w);
      } catch {
        // A directory that cannot be watched: its files are not followed.
      }
    }
  }

  private seen(dir: string, name: string | null): void {
    const file = name === null ? null : join(dir, name);
    // A file the configuration read, or a new *.conf that an include glob may now match.
    if (file !== null && !this.files.has(file) && !basename(file).endsWith('.conf')) return;
    this.pending = file ?? dir;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const changed = this.pending;
      this.pending = null;
      if (changed === null) return;
      if (this.handler !== null) this.handler(changed);
      else this.missed = changed;
    }, SETTLE_MS);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
