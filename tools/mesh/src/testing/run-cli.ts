import { vi } from 'vitest';
import { main } from '../main.js';

/** Runs the CLI in-process, as `mesh <args>` would, and captures what it prints. */
export async function mesh(...args: string[]) {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr, json: () => JSON.parse(stdout) };
  } finally {
    vi.restoreAllMocks();
  }
}
