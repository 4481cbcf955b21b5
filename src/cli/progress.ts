/**
 * A one-line progress display on a terminal (stderr): shown only for work
 * that takes longer than a second, redrawn at most five times a second,
 * and erased when done. Silent when stderr is not a terminal.
 */

const encoder = new TextEncoder();

export class ProgressLine {
  #started = performance.now();
  #lastDraw = 0;
  #shown = false;
  readonly #enabled: boolean;

  constructor(enabled = Deno.stderr.isTerminal()) {
    this.#enabled = enabled;
  }

  /** Redraws with `text` if due. */
  update(text: () => string): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#started < 1000 || now - this.#lastDraw < 200) return;
    this.#lastDraw = now;
    this.#shown = true;
    Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${text()}`));
  }

  /** Erases the line if it was drawn. */
  done(): void {
    if (this.#shown) Deno.stderr.writeSync(encoder.encode("\r\x1b[2K"));
    this.#shown = false;
  }
}

/** A text bar: `[#########-----------]`. */
export function bar(fraction: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** 1234567 → "1.23 M". */
export function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return `${Math.round(n)} `;
}
