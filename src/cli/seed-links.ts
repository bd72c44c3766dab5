// `npm run seed` makes one torrent of several files (or of one file under another --name), and the Node peer seeds
// one path in place: so those become a folder of symbolic links in the profile, named as the torrent is. Nothing is
// copied, and a restart reads the files through the same links.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Longest torrent name --name takes, in characters (a file name on every common file system). */
export const MAX_NAME_CHARS = 255;

/** Why a --name cannot name a file, or null when it can. */
export function badName(name: string): string | null {
  if (name.length === 0 || name.length > MAX_NAME_CHARS) return `--name must be 1 to ${MAX_NAME_CHARS} characters`;
  if (name === '.' || name === '..' || /[/\\\0]/.test(name)) return '--name must be a plain file name (no / or \\, not . or ..)';
  return null;
}

/**
 * The one path to seed for `files` (absolute, existing) under `name` (null: the file's own name, or for several
 * files the first one's folder): a lone file keeping its name is seeded where it is; otherwise a link (one file or
 * folder renamed) or a folder of links (several files), made under <profile>/seeded/. Throws on clashing names.
 */
export function seedSource(profile: string, files: readonly string[], name: string | null): { path: string; cleanup: () => void } {
  const first = files[0];
  if (first === undefined) throw new Error('no files to seed');
  if (files.length === 1 && (name === null || name === basename(first))) return { path: first, cleanup: () => {} };
  const torrentName = name ?? basename(dirname(first));
  const problem = badName(torrentName);
  if (problem) throw new Error(problem);
  const names = files.map((f) => basename(f));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`two files are named ${twice}: a torrent's folder holds one of each name`);
  mkdirSync(join(profile, 'seeded'), { recursive: true });
  const dir = mkdtempSync(join(profile, 'seeded', 'links-'));
  const path = join(dir, torrentName);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    if (files.length === 1) {
      symlinkSync(first, path);
    } else {
      mkdirSync(path);
      for (const file of files) symlinkSync(file, join(path, basename(file)));
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  return { path, cleanup };
}
