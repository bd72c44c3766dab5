// `npm run provide`'s options (src/cli/provide.ts parseOptions): the requester flags (--bid, --max-price, --cap,
// --claim-airdrop) and the network switches, with the inputs each refuses.
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/cli/provide.ts';

const parsed = (args: string[]) => {
  const o = parseOptions([...args, 'magnet:?xt=urn:btih:0000000000000000000000000000000000000000']);
  if (o === 'help') throw new Error('help');
  return o;
};

describe('provide options', () => {
  it('a provider by default: no bidding, every network, the app’s 50 BTT cap', () => {
    expect(parsed([])).toMatchObject({ bid: false, max_price: null, cap: 50_000_000n, claim_airdrop: false, webrtc: true, utp: true, speed: true });
  });

  it('a requester: bids with a price cap and a spend cap, funds itself, TCP only', () => {
    const o = parsed(['--bid', '--max-price', '80', '--cap', '200000', '--claim-airdrop', '--no-webrtc', '--no-utp']);
    expect(o).toMatchObject({ bid: true, max_price: 80n, cap: 200_000n, claim_airdrop: true, webrtc: false, utp: false });
  });

  it('a piece length for what it seeds, in KiB', () => {
    expect(parsed([]).piece_kib).toBeNull();
    expect(parsed(['--piece-kib', '1024']).piece_kib).toBe(1024);
  });

  it.each([
    [['--bid', '--max-price', '-1'], /--max-price/],
    [['--bid', '--max-price', '1.5'], /--max-price/],
    [['--bid', '--max-price', '99999999999999999999'], /--max-price/],
    [['--bid', '--cap', 'lots'], /--cap/],
    [['--bid', '--cap', ''], /--cap/],
    [['--max-price', '80'], /only apply with --bid/],
    [['--cap', '5'], /only apply with --bid/],
    [['--no-speed', '--bid'], /need Speed/],
    [['--no-speed', '--claim-airdrop'], /need Speed/],
    [['--piece-kib', '8'], /--piece-kib/],
    [['--piece-kib', '48'], /--piece-kib/],
    [['--piece-kib', '32768'], /--piece-kib/],
    [['--piece-kib', '1e3'], /--piece-kib/],
  ])('refuses %j', (args, message) => {
    expect(() => parsed(args)).toThrow(message);
  });
});
