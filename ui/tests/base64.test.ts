import { describe, expect, it } from 'vitest';
import { base64ToBytes, blobToBase64, bytesToBase64 } from '../src/logic/base64';

describe('base64', () => {
  it('matches Node for all byte values and odd lengths', () => {
    const bytes = new Uint8Array(257).map((_, i) => (i * 7) & 0xff);
    for (const n of [0, 1, 2, 3, 256, 257]) {
      const b = bytes.subarray(0, n);
      expect(bytesToBase64(b)).toBe(Buffer.from(b).toString('base64'));
    }
  });
  it('round-trips a buffer larger than one chunk', () => {
    const big = new Uint8Array(200_003);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const b64 = bytesToBase64(big);
    expect(b64).toBe(Buffer.from(big).toString('base64'));
    expect(base64ToBytes(b64)).toEqual(big);
  });
  it('reads a Blob (the file picker gives Files)', async () => {
    const blob = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])]);
    expect(await blobToBase64(blob)).toBe('/9j/4A==');
  });
});
