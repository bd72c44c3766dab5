// A torrent's "Done" from the same verified bytes its file rows show, so the detail never puts 82.0 % beside a
// file at 83.1 % (the list's figure is the engine's own, sampled at another moment). Pure.

/** Fraction verified, from per-file verified bytes; null when some file's figure is unknown (use the engine's). */
export function verifiedProgress(files: readonly { readonly downloaded_bytes: number | null }[], length_bytes: number): number | null {
  if (files.length === 0 || length_bytes <= 0) return null;
  let verified = 0;
  for (const file of files) {
    if (file.downloaded_bytes === null) return null;
    verified += file.downloaded_bytes;
  }
  return Math.min(1, verified / length_bytes);
}
