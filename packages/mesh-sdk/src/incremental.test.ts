import { describe, expect, it } from 'vitest';
import { markerMicros } from './incremental.js';

describe('markerMicros', () => {
  it('reads a stamp as DuckDB and as BigQuery write it as text, and nothing else', () => {
    const us = 1_764_583_200_000_001n; // 2025-12-01 10:00:00.000001 UTC
    expect(markerMicros('2025-12-01 10:00:00.000001')).toBe(us);
    // BigQuery's CAST(TIMESTAMP AS STRING): the same instant with its zone; it was unread, so
    // every incremental build on BigQuery counted the rows of every day it could have skipped.
    expect(markerMicros('2025-12-01 10:00:00.000001+00')).toBe(us);
    expect(markerMicros('2025-12-01T10:00:00.000001Z')).toBe(us);
    expect(markerMicros('2025-12-01 10:00:00+00')).toBe(us - 1n);
    expect(markerMicros('2025-12-01 10:00:00.000001+01')).toBeUndefined();
    expect(markerMicros('not a stamp')).toBeUndefined();
  });
});
