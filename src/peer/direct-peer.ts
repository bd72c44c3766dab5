// Page side of a worker-owned datachannel (issue 14): a small RTCPeerConnection wrapper with the part of simple-peer
// that signaling.ts uses (one non-trickle 'signal', signal(), 'connect', 'close', 'error', destroy()). Not simple-peer
// itself: it creates or receives the channel and binds its own handlers at once (_setupData), and emits 'connect'
// only on that channel's 'open' — a channel transferred to the worker is detached on this thread, so simple-peer would
// never connect. Here the channel goes to `handOff` in the task that created or received it (the only moment Chromium
// lets it be transferred, before any send); 'connect' means the connection is up; the worker waits for the channel's
// open itself and reports its close on the control port handOff returns.
import { closeFrame, parseFrame } from './relay-frames.ts';

/** Without trickle, the description goes out once ICE gathering completes or after this (simple-peer's figure). */
export const ICE_COMPLETE_TIMEOUT_MS = 5000;
/** After the worker closed the channel, the connection is torn down this much later (the reset needs to go out). */
export const DIRECT_CLOSE_GRACE_MS = 1000;
/** Label of the channel we create (plain WebTorrent accepts any label). */
const CHANNEL_LABEL = 'seedpay';

/** Gives the worker the channel at once; returns its token there and the page's end of the control port. Throws if it cannot. */
export type HandOff = (channel: RTCDataChannel) => { token: string; control: MessagePort };

type Listener = (arg: never) => void;
type EventName = 'signal' | 'connect' | 'close' | 'error';

export class DirectPeer {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  /** The channel's name in the worker (peer.attach_channel), once handed over. */
  token: string | null = null;
  readonly #pc: RTCPeerConnection;
  readonly #handOff: HandOff;
  readonly #listeners = new Map<EventName, Array<{ fn: Listener; once: boolean }>>();
  #control: MessagePort | null = null;
  #connected = false;
  #destroyed = false;

  constructor(initiator: boolean, handOff: HandOff) {
    this.#handOff = handOff;
    this.#pc = new RTCPeerConnection();
    this.#pc.onconnectionstatechange = () => this.#onState();
    if (initiator) {
      this.#take(this.#pc.createDataChannel(CHANNEL_LABEL));
      void this.#describe(() => this.#pc.createOffer());
    } else {
      this.#pc.ondatachannel = (event) => {
        if (this.#control) return event.channel.close(); // one channel per connection
        this.#take(event.channel);
      };
    }
  }

  on(event: EventName, fn: Listener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), { fn, once: false }]);
    return this;
  }

  once(event: EventName, fn: Listener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), { fn, once: true }]);
    return this;
  }

  /** The remote's offer (we answer) or answer (to our offer). */
  signal(data: unknown): void {
    if (this.#destroyed) return;
    const description = data as RTCSessionDescriptionInit;
    void (async () => {
      try {
        await this.#pc.setRemoteDescription(description);
        if (description.type === 'offer') await this.#describe(() => this.#pc.createAnswer());
      } catch (error) {
        this.#fail(error);
      }
    })();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#control) {
      this.#control.postMessage(closeFrame('closed by the page'));
      this.#control.onmessage = null;
      this.#control.close();
    }
    // The worker closes the channel on that message; the connection follows once the reset could go out.
    if (this.#connected) setTimeout(() => this.#pc.close(), DIRECT_CLOSE_GRACE_MS);
    else this.#pc.close();
    this.#emit('close');
  }

  #take(channel: RTCDataChannel): void {
    if (this.#destroyed) return channel.close();
    try {
      const { token, control } = this.#handOff(channel);
      this.token = token;
      this.#control = control;
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#control.onmessage = (event: MessageEvent) => {
      if (parseFrame(event.data)?.kind === 'close') this.destroy();
    };
    this.#maybeConnect();
  }

  async #describe(create: () => Promise<RTCSessionDescriptionInit>): Promise<void> {
    try {
      await this.#pc.setLocalDescription(await create());
      await this.#gathered();
      const local = this.#pc.localDescription;
      if (!this.#destroyed && local) this.#emit('signal', { type: local.type, sdp: local.sdp });
    } catch (error) {
      this.#fail(error);
    }
  }

  #gathered(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#pc.iceGatheringState === 'complete') return resolve();
      const timer = setTimeout(done, ICE_COMPLETE_TIMEOUT_MS);
      const pc = this.#pc;
      function done(): void {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      }
      function check(): void {
        if (pc.iceGatheringState === 'complete') done();
      }
      pc.addEventListener('icegatheringstatechange', check);
    });
  }

  #onState(): void {
    const state = this.#pc.connectionState;
    if (state === 'failed' || state === 'closed') return this.destroy();
    if (state === 'connected') this.#maybeConnect();
  }

  /** Up once the connection is connected and the channel is in the worker (the answerer's may arrive after). */
  #maybeConnect(): void {
    if (this.#connected || this.#destroyed || this.#control === null || this.#pc.connectionState !== 'connected') return;
    this.#connected = true;
    void this.#readAddress().then(() => {
      if (!this.#destroyed) this.#emit('connect');
    });
  }

  /** The selected candidate pair's remote address, as simple-peer reports it (best effort). */
  async #readAddress(): Promise<void> {
    try {
      const stats = await this.#pc.getStats();
      for (const pair of stats.values() as IterableIterator<{ type: string; state?: string; nominated?: boolean; remoteCandidateId?: string }>) {
        if (pair.type !== 'candidate-pair' || pair.state !== 'succeeded' || !pair.nominated || !pair.remoteCandidateId) continue;
        const remote = stats.get(pair.remoteCandidateId) as { address?: string; port?: number } | undefined;
        if (remote?.address && remote.port) {
          this.remoteAddress = remote.address;
          this.remotePort = remote.port;
        }
        return;
      }
    } catch {
      // no address then: the wire reports none
    }
  }

  #fail(error: unknown): void {
    if (this.#destroyed) return;
    this.#emit('error', error instanceof Error ? error : new Error(String(error)));
    this.destroy();
  }

  #emit(event: EventName, arg?: unknown): void {
    const listeners = this.#listeners.get(event) ?? [];
    this.#listeners.set(event, listeners.filter((l) => !l.once));
    for (const l of listeners) (l.fn as (arg: unknown) => void)(arg);
  }
}

/** Whether this browser transfers a datachannel at its creation (Chromium does; Firefox does not). Checked once. */
export function canTransferChannels(): boolean {
  if (typeof RTCPeerConnection === 'undefined' || typeof MessageChannel === 'undefined') return false;
  let pc: RTCPeerConnection | null = null;
  const { port1, port2 } = new MessageChannel();
  try {
    pc = new RTCPeerConnection();
    const channel = pc.createDataChannel('probe');
    port1.postMessage(channel, [channel as unknown as Transferable]);
    return true;
  } catch {
    return false;
  } finally {
    pc?.close();
    port1.close();
    port2.close();
  }
}
