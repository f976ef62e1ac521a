import { describe, expect, it } from 'vitest';
import { FAVICON_SVG, faviconIco } from '../../../site/src/lib/favicon.ts';

describe('faviconIco', () => {
  const ico = faviconIco();
  const view = new DataView(ico.buffer);

  it('is one 16×16 32-bit image behind a valid ICO header, sized exactly', () => {
    expect([view.getUint16(0, true), view.getUint16(2, true), view.getUint16(4, true)]).toEqual([0, 1, 1]);
    expect([ico[6], ico[7], view.getUint16(12, true)]).toEqual([16, 16, 32]);
    expect(view.getUint32(18, true)).toBe(22);
    expect(22 + view.getUint32(14, true)).toBe(ico.length);
    // BITMAPINFOHEADER: its size, the width and the doubled height (colour and mask rows).
    expect([view.getUint32(22, true), view.getInt32(26, true), view.getInt32(30, true)]).toEqual([40, 16, 32]);
  });

  it('draws the ring in white on blue with transparent corners', () => {
    // Row 0 of the data is the bottom row; pixel (x, y) sits at 62 + ((15 - y) * 16 + x) * 4, as BGRA.
    const at = (x: number, y: number) => [...ico.subarray(62 + ((15 - y) * 16 + x) * 4, 66 + ((15 - y) * 16 + x) * 4)];
    expect(at(0, 0)[3]).toBe(0);
    expect(at(8, 3)).toEqual([255, 255, 255, 255]);
    expect(at(8, 8)).toEqual([0xae, 0x50, 0x05, 255]);
  });
});

describe('FAVICON_SVG', () => {
  it('is a standalone SVG', () => {
    expect(FAVICON_SVG).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 16 16">/);
  });
});
