/** An instance's log, as its supervisor writes it: CRI format, one record a line
 * (`2026-12-04T16:00:00.123456789Z stdout F text`; `P` for a piece of a longer line), in `log`
 * and the rotated `log.1`. Reading joins the pieces, keeps the last N, keeps those since a time,
 * and follows the file across rotations. */
import { closeSync, fstatSync, lstatSync, readSync } from "node:fs";
import { join } from "node:path";
import { openOwned } from "./files.js";

export interface LogRecord {
  /** The timestamp as written (RFC 3339, nanoseconds). */
  time: string;
  /** Milliseconds since the epoch (for --since). */
  ms: number;
  stream: "stdout" | "stderr";
  /** The line without its newline. */
  text: string;
  /** The line did not end (the last piece of a run that ended without a newline). */
  partial: boolean;
}

interface CriLine {
  time: string;
  stream: "stdout" | "stderr";
  tag: "P" | "F";
  text: string;
}

/** One CRI line; undefined when it is not one (a torn or foreign line is skipped). */
export function parseCriLine(line: string): CriLine | undefined {
  const a = line.indexOf(" ");
  const b = a < 0 ? -1 : line.indexOf(" ", a + 1);
  if (a < 0 || b < 0) return undefined;
  const time = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(time)) return undefined;
  const rest = line.slice(b + 1);
  const tag = rest.slice(0, 1);
  if ((tag !== "P" && tag !== "F") || (rest.length > 1 && rest[1] !== " ")) return undefined;
  return { time, stream, tag, text: rest.slice(2) };
}

/** Milliseconds since the epoch of an RFC 3339 time with up to nanoseconds. */
export function timeMs(t: string): number {
  return Date.parse(t.replace(/(\.\d{3})\d+/, "$1"));
}

/** Joins CRI lines into records: P pieces of one stream up to its F line. */
export class CriDecoder {
  private pending = new Map<string, { time: string; text: string }>();
  /** The text not yet ended by a newline (a line being written). */
  private rest = "";

  push(chunk: string, out: LogRecord[]): void {
    const text = this.rest + chunk;
    const lines = text.split("\n");
    this.rest = lines.pop() ?? "";
    for (const l of lines) this.line(l, out);
  }

  line(l: string, out: LogRecord[]): void {
    const c = parseCriLine(l);
    if (!c) return;
    const p = this.pending.get(c.stream);
    if (c.tag === "P") {
      this.pending.set(c.stream, { time: p?.time ?? c.time, text: (p?.text ?? "") + c.text });
      return;
    }
    this.pending.delete(c.stream);
    const time = p?.time ?? c.time;
    out.push({
      time,
      ms: timeMs(time),
      stream: c.stream,
      text: (p?.text ?? "") + c.text,
      partial: false,
    });
  }

  /** At the end: pieces never ended become partial records. */
  flush(out: LogRecord[]): void {
    if (this.rest) this.line(this.rest, out);
    this.rest = "";
    for (const [stream, p] of this.pending)
      out.push({
        time: p.time,
        ms: timeMs(p.time),
        stream: stream as "stdout" | "stderr",
        text: p.text,
        partial: true,
      });
    this.pending.clear();
  }
}

/** --since: a duration back from `now` (10m, 1h30m, 45s, 2d, 500ms) or a time (RFC 3339, a date,
 * or Unix seconds). Milliseconds since the epoch; throws on anything else. */
export function parseSince(value: string, now = Date.now()): number {
  const v = value.trim();
  if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(v)) {
    const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
    let total = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g))
      total += Number(m[1]) * (unit[m[2] ?? "s"] ?? 0);
    return now - total;
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/.test(v)) {
    const t = timeMs(v.replace(" ", "T"));
    if (Number.isFinite(t)) return t;
  }
  throw new Error(
    `--since: expected a duration (10m, 1h30m, 45s) or a time (2026-12-04T16:00:00Z, Unix seconds); got "${value}"`,
  );
}

const MAX_READ = 64 * 1024 * 1024;

/** A log file's text from `offset` (at most MAX_READ bytes, the last ones); "" when absent. */
function readFrom(
  dir: string,
  name: string,
  offset = 0,
): { text: string; end: number; ino: bigint } | undefined {
  let fd: number;
  try {
    fd = openOwned(dir, name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    const size = Number(st.size);
    let from = Math.min(offset, size);
    if (size - from > MAX_READ) from = size - MAX_READ;
    const buf = Buffer.alloc(size - from);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, from + n);
      if (r === 0) break;
      n += r;
    }
    return { text: buf.subarray(0, n).toString("utf8"), end: from + n, ino: st.ino };
  } finally {
    closeSync(fd);
  }
}

export interface LogQuery {
  tail?: number;
  sinceMs?: number;
}

/** The records now in log.1 then log, filtered as `q` says; with the position reached in `log`
 * (to follow from). */
export function readLogs(
  dir: string,
  q: LogQuery = {},
): { records: LogRecord[]; pos: { ino: bigint; end: number } | undefined } {
  const dec = new CriDecoder();
  const out: LogRecord[] = [];
  const old = readFrom(dir, "log.1");
  if (old) dec.push(old.text.endsWith("\n") || old.text === "" ? old.text : `${old.text}\n`, out);
  const cur = readFrom(dir, "log");
  if (cur) {
    // Only complete lines: the rest is read again when following.
    const lastNl = cur.text.lastIndexOf("\n");
    const complete = cur.text.slice(0, lastNl + 1);
    dec.push(complete, out);
    const end = cur.end - Buffer.byteLength(cur.text.slice(lastNl + 1));
    const records = filter(out, q);
    return { records, pos: { ino: cur.ino, end } };
  }
  return { records: filter(out, q), pos: undefined };
}

function filter(records: LogRecord[], q: LogQuery): LogRecord[] {
  let r = q.sinceMs !== undefined ? records.filter((x) => x.ms >= (q.sinceMs as number)) : records;
  if (q.tail !== undefined && q.tail >= 0) r = q.tail === 0 ? [] : r.slice(-q.tail);
  return r;
}

/** Follows `log` from `pos`: calls `emit` with new records as they are written, also across a
 * rotation (the rest of the old file, now log.1, is read first), until `stop()` says so — then
 * reads what is left and returns. */
export async function followLogs(
  dir: string,
  pos: { ino: bigint; end: number } | undefined,
  emit: (r: LogRecord) => void,
  stop: () => boolean,
  intervalMs = 100,
): Promise<void> {
  const dec = new CriDecoder();
  let ino = pos?.ino;
  let end = pos?.end ?? 0;
  const drain = (): void => {
    const out: LogRecord[] = [];
    let st;
    try {
      st = lstatSync(join(dir, "log"), { bigint: true, throwIfNoEntry: false });
    } catch {
      st = undefined;
    }
    if (st && ino !== undefined && st.ino !== ino) {
      // Rotated: the file we read is log.1 now (if it is the same one), then log from its start.
      const old = readFrom(dir, "log.1", end);
      if (old && old.ino === ino) dec.push(old.text, out);
      ino = st.ino;
      end = 0;
    }
    const cur = readFrom(dir, "log", end);
    if (cur) {
      ino = cur.ino;
      const lastNl = cur.text.lastIndexOf("\n");
      dec.push(cur.text.slice(0, lastNl + 1), out);
      end = cur.end - Buffer.byteLength(cur.text.slice(lastNl + 1));
    }
    for (const r of out) emit(r);
  };
  for (;;) {
    const last = stop();
    drain();
    if (last) {
      const out: LogRecord[] = [];
      dec.flush(out);
      for (const r of out) emit(r);
      return;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
