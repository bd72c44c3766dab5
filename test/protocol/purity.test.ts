// Enforces the layer rule of ARCHITECTURE.md: src/protocol is pure. Time, randomness and I/O are parameters,
// so the same code runs in the worker, the page, the ledger and the simulator, and replays deterministically.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../src/protocol');
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, 'Date.now (pass now_ms in)'],
  [/\bnew Date\s*\(/, 'new Date (pass now_ms in)'],
  [/\bMath\.random\s*\(/, 'Math.random (pass randomness in)'],
  [/\bgetRandomValues\s*\(/, 'getRandomValues (pass randomness in)'],
  [/\b(setTimeout|setInterval|queueMicrotask)\s*\(/, 'timers (the shell schedules)'],
  [/\bfetch\s*\(/, 'fetch (the shell does I/O)'],
  [/\b(window|document|localStorage|indexedDB|navigator)\./, 'DOM and storage globals'],
  [/from ['"]node:/, 'Node built-ins'],
  [/from ['"]\.\.\//, 'imports from other layers'],
];

describe('src/protocol purity', () => {
  const files = readdirSync(dir).filter((name) => name.endsWith('.ts'));
  it('has modules to check', () => expect(files.length).toBeGreaterThan(5));
  for (const file of files) {
    it(`${file} uses no clock, randomness, I/O or upper layers`, () => {
      const source = readFileSync(join(dir, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      const found = FORBIDDEN.filter(([pattern]) => pattern.test(source)).map(([, why]) => why);
      expect(found, file).toEqual([]);
    });
  }
});
