import { color } from './style.js';

/**
 * Progress of long steps on stderr, only when stderr is a terminal: pipes and CI logs get
 * the final report alone, and `--json` output on stdout is never mixed with it.
 */
export class Progress {
  private readonly live: boolean;
  private current = '';
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(enabled: boolean) {
    this.live = enabled && process.stderr.isTTY === true;
  }

  /** Shows `text` with a spinner and the time spent, until the next step or `done`. */
  step(text: string): void {
    if (!this.live) return;
    this.current = text;
    this.startedAt = Date.now();
    this.timer ??= setInterval(() => this.draw(), 100);
    this.timer.unref();
    this.draw();
  }

  /** Prints a line that stays above the spinner. */
  log(line: string): void {
    if (!this.live) return;
    process.stderr.write(`\r\u001b[2K${line}\n`);
    this.draw();
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.live && this.current) process.stderr.write('\r\u001b[2K');
    this.current = '';
  }

  private draw(): void {
    if (!this.current) return;
    const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[this.frame++ % 10];
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    process.stderr.write(`\r\u001b[2K${color.cyan(spinner!)} ${this.current} ${color.dim(`${seconds}s`)}`);
  }
}
