// The provider's inbox: a message behind an asynchronous one (a `done` behind a payment whose signature is being
// checked) waits for it; with nothing pending, handlers run at once; a failed handler does not stall the rest.
import { describe, expect, it } from 'vitest';
import { OrderedInbox } from '../../src/peer/ordered-inbox.ts';

describe('OrderedInbox', () => {
  it('runs synchronously while idle, and in arrival order behind a pending handler', async () => {
    const inbox = new OrderedInbox();
    const seen: string[] = [];
    inbox.push(() => void seen.push('bid') as undefined);
    expect(seen).toEqual(['bid']);
    let release = () => {};
    inbox.push(() => {
      seen.push('payment');
      return new Promise<void>((resolve) => (release = () => (seen.push('payment verified'), resolve())));
    });
    inbox.push(() => void seen.push('done') as undefined);
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(['bid', 'payment']);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['bid', 'payment', 'payment verified', 'done']);
    inbox.push(() => void seen.push('next') as undefined);
    expect(seen.at(-1)).toBe('next'); // idle again: at once
  });

  it('keeps going after a handler that fails', async () => {
    const inbox = new OrderedInbox();
    const seen: string[] = [];
    inbox.push(() => Promise.reject(new Error('bad signature check')));
    inbox.push(() => void seen.push('after') as undefined);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['after']);
  });
});
