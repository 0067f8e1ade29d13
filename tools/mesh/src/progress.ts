import { color } from './style.js';

/**
 * Progress of long steps on stderr, only when stderr is a terminal: pipes and CI logs get
 * the final report alone, and `--json` output on stdout is never mixed with it. With
 * `MESH_PROGRESS=plain`, a log that is no terminal gets each step and result as a line of its
 * own (a CI job's log, a supervisor that follows a long build).
 */
export class Progress {
  private readonly live: boolean;
  private readonly plain: boolean;
  private current = '';
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(enabled: boolean) {
    this.live = enabled && process.stderr.isTTY === true;
    this.plain = enabled && !this.live && process.env.MESH_PROGRESS === 'plain';
  }

  /** Shows `text` with a spinner and the time spent, until the next step or `done`. */
  step(text: string): void {
    if (this.plain) process.stderr.write(`${text}\n`);
    if (!this.live) return;
    this.current = text;
    this.startedAt = Date.now();
    this.timer ??= setInterval(() => this.draw(), 100);
    this.timer.unref();
    this.draw();
  }

  /** Prints a line that stays above the spinner. */
  log(line: string): void {
    if (this.plain) process.stderr.write(`${line}\n`);
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
