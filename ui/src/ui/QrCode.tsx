// A QR code drawn as SVG from its module matrix (npm qrcode-generator; no HTML strings are
// injected). Error correction M; a quiet zone of four modules as the standard asks.
import qrcode from 'qrcode-generator';

/** The dark modules of `text`, row by row. */
export function qrMatrix(text: string): boolean[][] {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
}

export function QrCode({ text, size = 240, label, testId }: { text: string; size?: number; label: string; testId?: string }) {
  const m = qrMatrix(text);
  const quiet = 4;
  const dim = m.length + quiet * 2;
  let d = '';
  m.forEach((row, r) => row.forEach((dark, c) => { if (dark) d += `M${c + quiet} ${r + quiet}h1v1h-1z`; }));
  return (
    <svg width={size} height={size} viewBox={`0 0 ${dim} ${dim}`} role="img" aria-label={label} data-testid={testId}
      data-modules={m.length} shape-rendering="crispEdges" style={{ background: '#fff' }}>
      <rect width={dim} height={dim} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
