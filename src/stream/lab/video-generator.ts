// Makes a test video in the browser, with no files from outside: frames drawn on an OffscreenCanvas (a moving
// box, the time in big digits, and noise so the encoder really spends the bitrate), encoded to VP8 with
// WebCodecs faster than real time, keyframe every second, muxed by webm-writer.ts into a seekable WebM.
import { writeWebm, type EncodedFrame } from './webm-writer.ts';

export interface VideoSpec {
  readonly seconds: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly bitrate_bps: number;
  /** 0..1: share of each frame's rows covered in pixel noise (any noise makes the bitrate, not the picture, set the size). */
  readonly noise: number;
}

export const DEFAULT_VIDEO: VideoSpec = { seconds: 24, width: 640, height: 360, fps: 24, bitrate_bps: 1_500_000, noise: 0.25 };

/** Frames queued in the encoder before drawing waits for it. */
const MAX_ENCODE_QUEUE = 8;
const MAX_SECONDS = 600;

function draw(ctx: OffscreenCanvasRenderingContext2D, spec: VideoSpec, frame: number, random: () => number): void {
  const t = frame / spec.fps;
  const { width: w, height: h } = spec;
  ctx.fillStyle = `hsl(${(t * 24) % 360} 55% 28%)`;
  ctx.fillRect(0, 0, w, h);
  // Pixel noise over the top `noise` share of the frame: incompressible, so the bitrate decides the file size.
  const rows = Math.floor(h * spec.noise);
  if (rows > 0) {
    const image = ctx.createImageData(w, rows);
    const words = new Uint32Array(image.data.buffer);
    for (let i = 0; i < words.length; i++) words[i] = ((random() * 0x1_0000_0000) >>> 0) | 0xff000000;
    ctx.putImageData(image, 0, 0);
  }
  const x = ((t / spec.seconds) * (w - 80)) | 0;
  ctx.fillStyle = '#f8fafc';
  ctx.fillRect(x, h - 90, 80, 60);
  ctx.font = `bold ${Math.floor(h / 4)}px monospace`;
  ctx.fillStyle = '#ffffff';
  ctx.fillText(t.toFixed(1), w * 0.08, h * 0.45);
}

/** Encodes the whole video; resolves with the WebM bytes. */
export async function generateWebm(spec: VideoSpec, onProgress: (fraction: number) => void = () => {}): Promise<Uint8Array> {
  if (!(spec.seconds > 0 && spec.seconds <= MAX_SECONDS)) throw new RangeError(`seconds: expected 0..${MAX_SECONDS}`);
  if (typeof VideoEncoder === 'undefined') throw new Error('WebCodecs VideoEncoder is not available in this browser');
  const canvas = new OffscreenCanvas(spec.width, spec.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas context');
  const frames: EncodedFrame[] = [];
  let failure: Error | null = null;
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      frames.push({ time_ms: Math.round(chunk.timestamp / 1000), key: chunk.type === 'key', data });
    },
    error: (error) => {
      failure = error instanceof Error ? error : new Error(String(error));
    },
  });
  encoder.configure({ codec: 'vp8', width: spec.width, height: spec.height, bitrate: spec.bitrate_bps, framerate: spec.fps, bitrateMode: 'constant' });
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  const total = Math.round(spec.seconds * spec.fps);
  for (let i = 0; i < total; i++) {
    if (failure) throw failure;
    draw(ctx, spec, i, random);
    const frame = new VideoFrame(canvas, { timestamp: Math.round((i * 1_000_000) / spec.fps), duration: Math.round(1_000_000 / spec.fps) });
    encoder.encode(frame, { keyFrame: i % spec.fps === 0 });
    frame.close();
    while (encoder.encodeQueueSize > MAX_ENCODE_QUEUE) await new Promise((r) => setTimeout(r, 1));
    if (i % spec.fps === 0) onProgress(i / total);
  }
  await encoder.flush();
  encoder.close();
  if (failure) throw failure;
  frames.sort((a, b) => a.time_ms - b.time_ms);
  onProgress(1);
  return writeWebm({ codec_id: 'V_VP8', width: spec.width, height: spec.height }, frames, (total * 1000) / spec.fps);
}
