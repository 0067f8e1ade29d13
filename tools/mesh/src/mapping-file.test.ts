import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMappingFile } from './mapping-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-mapping-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (text: string) => {
  const file = join(dir, 'mapping.yaml');
  writeFileSync(file, text);
  return readMappingFile(file).mapping;
};

describe('readMappingFile', () => {
  it('reads a value mapped to null, ~, nothing or an empty text as no value, and other values as written', () => {
    const mapping = read(
      [
        'values:',
        '  closed_on: { "N/A": null, "-": ~, n.a.: "", none: }',
        '  manager: { "N/A": "null", 01: 0012, yes: true }',
      ].join('\n'),
    );
    expect(mapping.values).toEqual({
      closed_on: { 'N/A': '', '-': '', 'n.a.': '', none: '' },
      // "null" quoted is the word NULL, which is no value anyway; the rest stay as written.
      manager: { 'N/A': 'null', '01': '0012', yes: 'true' },
    });
  });
});
