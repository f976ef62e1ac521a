// The site's icon, drawn in code: a blue rounded square with a white ring. An SVG for
// browsers that take one, and the same picture as a 16×16 /favicon.ico, which browsers
// ask for on their own whatever the page links.

const BLUE = [0x05, 0x50, 0xae] as const;

export const FAVICON_SVG = [
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">',
  '<rect width="16" height="16" rx="3" fill="#0550ae"/>',
  '<circle cx="8" cy="8" r="4.25" fill="none" stroke="#ffffff" stroke-width="1.75"/>',
  '</svg>',
  '',
].join('\n');

/** Whether pixel (x, y) of the 16×16 icon is inside the rounded square, on the ring, or neither. */
function pixel(x: number, y: number): 'ring' | 'square' | 'outside' {
  const cx = x + 0.5, cy = y + 0.5;
  // Rounded corners of radius 3.
  const dx = Math.max(0, Math.abs(cx - 8) - 5), dy = Math.max(0, Math.abs(cy - 8) - 5);
  if (dx * dx + dy * dy > 9) return 'outside';
  const r = Math.hypot(cx - 8, cy - 8);
  return r >= 3.4 && r <= 5.1 ? 'ring' : 'square';
}

/**
 * A 16×16, 32-bit ICO (one BMP image, ICONDIR + ICONDIRENTRY + BITMAPINFOHEADER, BGRA
 * rows bottom up, then an all-zero AND mask since the alpha channel says it all).
 */
export function faviconIco(): Uint8Array<ArrayBuffer> {
  const size = 16;
  const pixels = size * size * 4;
  const mask = size * 4; // 16 bits a row, padded to 32
  const image = 40 + pixels + mask;
  const bytes = new Uint8Array(6 + 16 + image);
  const view = new DataView(bytes.buffer);
  view.setUint16(2, 1, true); // type: icon
  view.setUint16(4, 1, true); // one image
  bytes[6] = size;
  bytes[7] = size;
  view.setUint16(10, 1, true); // planes
  view.setUint16(12, 32, true); // bits per pixel
  view.setUint32(14, image, true);
  view.setUint32(18, 22, true); // where the image starts
  view.setUint32(22, 40, true); // BITMAPINFOHEADER
  view.setInt32(26, size, true);
  view.setInt32(30, size * 2, true); // colour rows and mask rows
  view.setUint16(34, 1, true);
  view.setUint16(36, 32, true);
  view.setUint32(42, pixels + mask, true);
  for (let row = 0; row < size; row++) {
    const y = size - 1 - row; // bottom up
    for (let x = 0; x < size; x++) {
      const at = 62 + (row * size + x) * 4;
      const kind = pixel(x, y);
      const [r, g, b] = kind === 'ring' ? [255, 255, 255] : BLUE;
      bytes.set([b, g, r, kind === 'outside' ? 0 : 255], at);
    }
  }
  return bytes;
}
