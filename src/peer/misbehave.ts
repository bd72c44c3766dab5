// Fault injection for the end-to-end tests (`test.misbehave`): a peer that never pays or that corrupts every block
// it serves, so the other side's defences (late-payment choke and ban, hash-failure ban) are tested against a real
// peer. Kept out of the production paths: it only adds taps to new wires (SpeedContext.wireTaps).
import type { Misbehaviour } from './rpc-schema.ts';
import type { SpeedContext } from './speed-context.ts';
import type { SpeedExtension } from './speed-extension.ts';
import { wrapPiece } from './wire-patches.ts';
import type { Wire } from './wire.ts';

/** Drops every payment this peer would send: its provider sees a requester that never pays. */
function noPay(_wire: Wire, ext: SpeedExtension): void {
  const send = ext.send.bind(ext);
  ext.send = (message) => (message.type === 'payment' ? true : send(message));
}

/** Flips the first byte of every block this peer serves: its requesters see pieces fail their hash. */
function corrupt(wire: Wire): void {
  wrapPiece(wire, (send) => (index, offset, buffer) => {
    const bad = Uint8Array.from(buffer);
    bad[0] = (bad[0] ?? 0) ^ 0xff;
    send(index, offset, bad);
  });
}

/** Wires formed from now on misbehave as `mode` says ('none' restores normal behaviour for new wires). */
export function misbehave(ctx: SpeedContext, mode: Misbehaviour): void {
  ctx.wireTaps = mode === 'no_pay' ? [noPay] : mode === 'corrupt' ? [corrupt] : [];
}
