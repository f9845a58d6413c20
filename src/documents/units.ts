/** Sizes such as 256Mi, 1.5G or 1048576 (bytes). */

const multipliers: Record<string, number> = {
  "": 1,
  B: 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** Bytes for a size, or undefined when the text is not one. K, M, G, T and their "i" forms
 * are all powers of 1024, as in Kubernetes' Ki and Docker's k. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === "number")
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([KMGTkmgt]i?|B)?$/.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? "").replace("i", "").toUpperCase();
  const factor = multipliers[unit];
  if (factor === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

export function formatSize(bytes: number): string {
  const units = ["Ti", "Gi", "Mi", "Ki"];
  for (const [i, unit] of units.entries()) {
    const factor = 1024 ** (4 - i);
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes} B`;
}

/** Cores from 0.5, "0.5" or "500m". */
export function parseCpu(value: string | number): number | undefined {
  if (typeof value === "number") return value > 0 ? value : undefined;
  const milli = /^([0-9]+)m$/.exec(value);
  if (milli) return Number(milli[1]) / 1000;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
