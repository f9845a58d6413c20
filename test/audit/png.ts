/** A tiny PNG decoder (8-bit greyscale, RGB or RGBA, not interlaced: what Chromium's screenshots
 * are) and pixel statistics, to tell a drawn page from a blank one. */
import { inflateSync } from "node:zlib";

export interface Image {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  rgba: Uint8Array;
}

const SIGNATURE = "89504e470d0a1a0a";

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(buf: Buffer): Image {
  if (buf.subarray(0, 8).toString("hex") !== SIGNATURE) throw new Error("not a PNG file");
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length;) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colour = data[9];
      const interlace = data[12];
      channels = colour === 0 ? 1 : colour === 2 ? 3 : colour === 6 ? 4 : colour === 4 ? 2 : 0;
      if (depth !== 8 || channels === 0 || interlace !== 0)
        throw new Error(
          `unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`,
        );
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (cur[i - channels] ?? 0) : 0;
      const b = prev[i] ?? 0;
      const c = i >= channels ? (prev[i - channels] ?? 0) : 0;
      const x = line[i] ?? 0;
      const predictor =
        filter === 0
          ? 0
          : filter === 1
            ? a
            : filter === 2
              ? b
              : filter === 3
                ? (a + b) >> 1
                : paeth(a, b, c);
      cur[i] = (x + predictor) & 0xff;
    }
    for (let px = 0; px < width; px++) {
      const o = (y * width + px) * 4;
      const i = px * channels;
      if (channels <= 2) {
        const g = cur[i] ?? 0;
        out.set([g, g, g, channels === 2 ? (cur[i + 1] ?? 255) : 255], o);
      } else
        out.set(
          [
            cur[i] ?? 0,
            cur[i + 1] ?? 0,
            cur[i + 2] ?? 0,
            channels === 4 ? (cur[i + 3] ?? 255) : 255,
          ],
          o,
        );
    }
    prev = cur;
  }
  return { width, height, rgba: out };
}

export interface PixelStats {
  pixels: number;
  /** Distinct colours (RGB). */
  colours: number;
  /** Standard deviation of the luminance (0-255). */
  luminanceStdDev: number;
}

export function pixelStats(img: Image): PixelStats {
  const colours = new Set<number>();
  let sum = 0;
  let sumSq = 0;
  const n = img.width * img.height;
  for (let p = 0; p < n; p++) {
    const r = img.rgba[p * 4] ?? 0;
    const g = img.rgba[p * 4 + 1] ?? 0;
    const b = img.rgba[p * 4 + 2] ?? 0;
    colours.add((r << 16) | (g << 8) | b);
    const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    sum += l;
    sumSq += l * l;
  }
  const mean = n > 0 ? sum / n : 0;
  return {
    pixels: n,
    colours: colours.size,
    luminanceStdDev: n > 0 ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0,
  };
}

/** Blank: one flat colour, or nearly so. */
export function isBlank(stats: PixelStats): boolean {
  return stats.colours < 4 || stats.luminanceStdDev < 2;
}

/** Pixels within `tolerance` of a colour given as #rrggbb. */
export function countColour(img: Image, hex: string, tolerance = 24): number {
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let count = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    if (want.every((v, c) => Math.abs((img.rgba[p * 4 + c] ?? 0) - v) <= tolerance)) count++;
  }
  return count;
}
