// The channel journal's shell over in-memory files that behave like OPFS sync handles: records survive reopening,
// compaction keeps the files small, and a crash at any write or truncate (a torn write included) loses no record
// whose put returned — after a reopen each key holds its last saved value, or the value being saved at the crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelJournal, type JournalFile } from '../../src/peer/channel-journal.ts';

class Crash extends Error {}

/** A file's bytes plus a shared budget of operations: when it runs out, the write in progress is torn and throws. */
class MemoryFile implements JournalFile {
  constructor(public bytes: Uint8Array<ArrayBufferLike>, readonly budget: { ops: number; torn_bytes: number }) {}
  #spend(): boolean {
    this.budget.ops--;
    return this.budget.ops < 0;
  }
  read(buffer: Uint8Array, { at }: { at: number }): number {
    const part = this.bytes.subarray(at, at + buffer.length);
    buffer.set(part);
    return part.length;
  }
  write(buffer: Uint8Array, { at }: { at: number }): number {
    const crash = this.#spend();
    const data = crash ? buffer.subarray(0, Math.min(buffer.length, this.budget.torn_bytes)) : buffer;
    if (at + data.length > this.bytes.length) {
      const grown = new Uint8Array(at + data.length);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(data, at);
    if (crash) throw new Crash('crash');
    return data.length;
  }
  truncate(size: number): void {
    if (this.#spend()) throw new Crash('crash');
    const out = new Uint8Array(size);
    out.set(this.bytes.subarray(0, size));
    this.bytes = out;
  }
  getSize(): number {
    return this.bytes.length;
  }
  flushes = 0;
  flush(): void {
    this.flushes++;
  }
  close(): void {}
}

const UNLIMITED = () => ({ ops: Number.MAX_SAFE_INTEGER, torn_bytes: 0 });
function reopen(files: readonly MemoryFile[], compact_min_bytes = 256) {
  const budget = UNLIMITED();
  const fresh = files.map((f) => new MemoryFile(f.bytes, budget)) as [MemoryFile, MemoryFile];
  return { files: fresh, journal: new ChannelJournal(fresh, { compact_min_bytes, flush_delay_ms: 0 }) };
}

describe('ChannelJournal', () => {
  it('reads back the latest record per key after a reopen; deletes stick', () => {
    const { files, journal } = reopen([new MemoryFile(new Uint8Array(), UNLIMITED()), new MemoryFile(new Uint8Array(), UNLIMITED())]);
    journal.put('payer:a', '{"seq":"1"}');
    journal.put('payer:b', '{"seq":"1"}');
    journal.put('payer:a', '{"seq":"2"}');
    journal.put('payee:c', '{}');
    journal.delete('payer:b');
    const again = reopen(files).journal;
    expect(again.get('payer:a')).toBe('{"seq":"2"}');
    expect(again.get('payer:b')).toBeUndefined();
    expect(again.entries('payer:')).toEqual([['payer:a', '{"seq":"2"}']]);
    expect(again.entries('')).toHaveLength(2);
  });

  it('flushes once per delay after saves, not in each save, and at close', async () => {
    const files = [new MemoryFile(new Uint8Array(), UNLIMITED()), new MemoryFile(new Uint8Array(), UNLIMITED())] as [MemoryFile, MemoryFile];
    const journal = new ChannelJournal(files, { flush_delay_ms: 20 });
    const flushes = () => files[0].flushes + files[1].flushes;
    const opened = flushes();
    for (let i = 0; i < 10; i++) journal.put('payer:a', `"${i}"`);
    expect(flushes()).toBe(opened);
    await new Promise((r) => setTimeout(r, 60));
    expect(flushes()).toBe(opened + 1);
    journal.put('payer:a', '"last"');
    journal.close();
    expect(flushes()).toBe(opened + 3);
  });

  it('compacts: a thousand saves of one key keep the files near the size of the live records', () => {
    const { files, journal } = reopen([new MemoryFile(new Uint8Array(), UNLIMITED()), new MemoryFile(new Uint8Array(), UNLIMITED())], 4096);
    for (let i = 0; i < 1000; i++) journal.put('payer:a', JSON.stringify({ seq: i, pad: 'x'.repeat(50) }));
    expect(journal.sizes.file_bytes).toBeLessThanOrEqual(4096 + 100);
    expect(files[0].bytes.length + files[1].bytes.length).toBeLessThanOrEqual(4096 + 100);
    expect(JSON.parse(reopen(files).journal.get('payer:a') as string)).toMatchObject({ seq: 999 });
  });

  it('ignores a torn last record and appends after the last whole one', () => {
    const { files, journal } = reopen([new MemoryFile(new Uint8Array(), UNLIMITED()), new MemoryFile(new Uint8Array(), UNLIMITED())]);
    journal.put('k', '"one"');
    const active = files[0].bytes.length > 0 ? files[0] : files[1];
    active.bytes = Uint8Array.from([...active.bytes, 40, 0, 0, 0, 1, 2]); // a header promising 40 bytes, then nothing
    const second = reopen(files);
    expect(second.journal.get('k')).toBe('"one"');
    second.journal.put('k', '"two"');
    expect(reopen(second.files).journal.get('k')).toBe('"two"');
  });

  it('crashes at any write or truncate, opening included, lose no saved record and invent none', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant<'put'>('put'), key: fc.constantFrom('a', 'b', 'c'), text: fc.string({ maxLength: 80 }) }),
      fc.record({ kind: fc.constant<'delete'>('delete'), key: fc.constantFrom('a', 'b', 'c') }),
    );
    const crash = fc.record({ ops: fc.nat({ max: 120 }), torn_bytes: fc.nat({ max: 300 }) });
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), fc.array(crash, { minLength: 1, maxLength: 4 }), (ops, crashes) => {
      let bytes: Uint8Array[] = [new Uint8Array(), new Uint8Array()];
      const saved = new Map<string, string>();
      let next = 0;
      // Each session opens the files left by the last one and runs ops until its crash (or the end of the ops).
      for (const budget of [...crashes, UNLIMITED()]) {
        const files = bytes.map((b) => new MemoryFile(b, budget)) as [MemoryFile, MemoryFile];
        let inflight: { key: string; text: string | undefined } | null = null;
        try {
          const journal = new ChannelJournal(files, { compact_min_bytes: 64, flush_delay_ms: 0 });
          for (; next < ops.length; next++) {
            const o = ops[next] as (typeof ops)[number];
            inflight = { key: o.key, text: o.kind === 'put' ? o.text : undefined };
            if (o.kind === 'put') journal.put(o.key, o.text);
            else journal.delete(o.key);
            if (o.kind === 'put') saved.set(o.key, o.text);
            else saved.delete(o.key);
            inflight = null;
          }
        } catch (error) {
          if (!(error instanceof Crash)) throw error;
        }
        bytes = files.map((f) => f.bytes);
        const after = reopen(files).journal;
        for (const key of ['a', 'b', 'c']) {
          const got = after.get(key);
          if (inflight?.key === key) {
            expect([saved.get(key), inflight.text]).toContain(got);
            if (got === undefined) saved.delete(key);
            else saved.set(key, got);
            next++; // the op in flight took effect or not; either way the next session goes on after it
          } else expect(got).toBe(saved.get(key));
        }
      }
    }), { numRuns: 400 });
  });
});
