// Enforces the layer map of docs/architecture.md: every .ts and .svelte file under src/ imports only from the
// layers below its own (and only their public files), and only the packages its layer is meant to use. The
// checker is itself tested on planted bad imports, so a broken parser cannot pass everything.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS, layerOf, specifiersOf, violations } from './layers.ts';

const src = join(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts') ? [relative(src, path).split(sep).join('/')] : [];
  });
}

const files = sources(src);

describe('the checker', () => {
  it('reads import, export-from, import type, dynamic import, worker URLs and Svelte scripts', () => {
    const ts = [
      "import a from './a.ts';", "import type { B } from '../b/b.ts';", "export { c } from './c.ts';",
      "export * from './d.ts';", "const e = await import('./e.ts');", "new Worker(new URL('./f.ts', import.meta.url));",
      "// import g from './commented.ts';", "const s = \"from './not-an-import.ts'\";",
    ].join('\n');
    expect(specifiersOf('peer/x.ts', ts)).toEqual(['./a.ts', '../b/b.ts', './c.ts', './d.ts', './e.ts', './f.ts']);
    const svelte = "<script lang=\"ts\">\n  import P from '../stream/Player.svelte';\n</script>\n<p>import x from './markup.ts'</p>";
    expect(specifiersOf('ui/X.svelte', svelte)).toEqual(['../stream/Player.svelte']);
  });

  it('catches planted violations of each kind', () => {
    expect(violations('protocol/x.ts', "import { App } from '../ui/App.svelte';")).toEqual(["protocol/x.ts: protocol may not import ui ('../ui/App.svelte')"]);
    expect(violations('protocol/x.ts', "import { readFileSync } from 'node:fs';")).toHaveLength(1);
    expect(violations('peer/x.ts', "import { Player } from '../stream/Player.svelte';")).toHaveLength(1);
    expect(violations('ui/state/x.ts', "import { seal } from '../../wallet/vault-crypto.ts';")).toEqual([
      "ui/state/x.ts: 'wallet/vault-crypto.ts' is internal to wallet; use wallet/index.ts or wallet/ledger-client.ts or wallet/airdrop-solver.ts or wallet/storage-client.ts",
    ]);
    expect(violations('widget/X.svelte', "<script>import { RpcServer } from '../peer/rpc.ts';</script>")).toHaveLength(1);
    expect(violations('stream/serve/x.ts', "import type { PeerEngine } from '../../peer/engine.ts';")).toHaveLength(1);
    expect(violations('sim/x.ts', "new Worker(new URL('../peer/worker.ts', import.meta.url));")).toHaveLength(1);
    expect(violations('nowhere/x.ts', '')).toHaveLength(1);
    expect(violations('services/proxy/x.ts', "import BitField from 'bitfield'; import { lookup } from 'node:dns';")).toEqual([]);
    expect(violations('services/proxy/x.ts', "import { PeerClient } from '../../peer/client.ts';")).toHaveLength(1);
    expect(violations('server/x.ts', "import x from '../../test/x.ts';")).toHaveLength(1);
  });

  it('lets allowed imports through', () => {
    expect(violations('ui/state/x.ts', "import { openBrowserWallet } from '../../wallet/index.ts';\nimport { PeerClient } from '../../peer/client.ts';")).toEqual([]);
    expect(violations('peer/x.ts', "import { LedgerClient } from '../wallet/ledger-client.ts';\nimport { sha256 } from '@noble/hashes/sha2.js';")).toEqual([]);
  });

  it('orders layers so each imports only layers listed before it', () => {
    const seen = new Set<string>();
    for (const layer of LAYERS) {
      for (const below of layer.may_import) expect(seen.has(below), `${layer.dir} -> ${below}`).toBe(true);
      seen.add(layer.dir);
    }
  });
});

describe('src/ layer boundaries', () => {
  it('has files in every layer', () => {
    for (const layer of LAYERS) expect(files.some((f) => layerOf(f) === layer), layer.dir).toBe(true);
  });
  for (const layer of LAYERS) {
    it(`${layer.dir}/ imports only ${layer.may_import.length ? layer.may_import.join(', ') : 'itself'}`, () => {
      const found = files.filter((f) => layerOf(f) === layer).flatMap((f) => violations(f, readFileSync(join(src, f), 'utf8')));
      expect(found).toEqual([]);
    });
  }
  it('puts every source file in a layer', () => {
    expect(files.filter((f) => !layerOf(f))).toEqual([]);
  });
});
