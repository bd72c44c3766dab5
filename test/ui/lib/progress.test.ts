// "Done" from the file rows' verified bytes: the sum over files, unknown when any file's figure is unknown.
import { describe, expect, it } from 'vitest';
import { verifiedProgress } from '../../../src/ui/lib/progress.ts';

describe('verifiedProgress', () => {
  it('is the verified share of the whole torrent, as the file rows add up', () => {
    expect(verifiedProgress([{ downloaded_bytes: 831 }], 1000)).toBe(0.831);
    expect(verifiedProgress([{ downloaded_bytes: 500 }, { downloaded_bytes: 250 }], 1000)).toBe(0.75);
    expect(verifiedProgress([{ downloaded_bytes: 0 }], 1000)).toBe(0);
  });
  it('never passes 1, and is unknown without every file or without a length', () => {
    expect(verifiedProgress([{ downloaded_bytes: 1200 }], 1000)).toBe(1);
    expect(verifiedProgress([{ downloaded_bytes: 10 }, { downloaded_bytes: null }], 1000)).toBeNull();
    expect(verifiedProgress([], 1000)).toBeNull();
    expect(verifiedProgress([{ downloaded_bytes: 0 }], 0)).toBeNull();
  });
});
