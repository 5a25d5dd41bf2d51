/**
 * Whether real nginx is here, and the rule every differential test follows when it is not: in CI
 * that is an error (the oracle must not be skipped silently); on a developer's machine a loud banner
 * and the live comparisons are skipped.
 */
import { spawnSync } from 'node:child_process';

/** True when `nginx` can be run from PATH. */
export const hasNginx: boolean = spawnSync('nginx', ['-v'], { stdio: 'ignore' }).error === undefined;

/** True when running under CI (`CI` set to anything but empty or `false`). */
export const inCI: boolean = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/** nginx's version line (`nginx/1.22.1`), or null without nginx. */
export function nginxVersion(): string | null {
  if (!hasNginx) return null;
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return /nginx\/[\d.]+/.exec(`${r.stderr}${r.stdout}`)?.[0] ?? null;
}

/**
 * Applies the CI rule for a test file whose live part needs nginx: returns true when nginx is here;
 * without nginx throws in CI and otherwise prints a banner naming `what` is skipped and returns false.
 */
export function requireNginx(what: string): boolean {
  if (hasNginx) return true;
  if (inCI) throw new Error(`nginx is not on PATH: ${what} cannot be skipped in CI`);
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! nginx is not on PATH: ${what} is SKIPPED.\n${bar}\n`);
  return false;
}
