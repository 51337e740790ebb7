import { describe, expect, it } from 'vitest';
import { base64ToBytes, blobToBase64, bytesToBase64 } from '../src/logic/base64';

// An independent reference encoder (3 bytes → 4 characters) to compare against.
const ABC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function ref(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += ABC[(n >> 18) & 63] + ABC[(n >> 12) & 63] + (i + 1 < b.length ? ABC[(n >> 6) & 63] : '=') + (i + 2 < b.length ? ABC[n & 63] : '=');
  }
  return out;
}

describe('base64', () => {
  it('matches a reference encoder for all byte values and odd lengths', () => {
    const bytes = new Uint8Array(257).map((_, i) => (i * 7) & 0xff);
    for (const n of [0, 1, 2, 3, 256, 257]) {
      const b = bytes.subarray(0, n);
      expect(bytesToBase64(b)).toBe(ref(b));
    }
  });
  it('round-trips a buffer larger than one chunk', () => {
    const big = new Uint8Array(200_003);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const b64 = bytesToBase64(big);
    expect(b64).toBe(ref(big));
    expect(base64ToBytes(b64)).toEqual(big);
  });
  it('reads a Blob (the file picker gives Files)', async () => {
    const blob = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])]);
    expect(await blobToBase64(blob)).toBe('/9j/4A==');
  });
});
