// TEST ONLY: a fake CanvasRenderingContext2D that records what is painted (basemap renderer tests;
// also stands in for the canvas in happy-dom, which has none).
export interface Op { op: string; fillStyle?: unknown; strokeStyle?: unknown; lineWidth?: unknown; dash?: number[]; text?: string; x?: number; y?: number }

/** A fake CanvasRenderingContext2D that records fills, strokes and texts with the style in force. */
export function recordingContext(): { ctx: CanvasRenderingContext2D; ops: Op[] } {
  const ops: Op[] = [];
  const st: Record<string, unknown> = { fillStyle: '#000', strokeStyle: '#000', lineWidth: 1, font: '10px sans-serif' };
  let dash: number[] = [];
  const snap = (op: string, extra: Partial<Op> = {}): Op => ({ op, fillStyle: st.fillStyle, strokeStyle: st.strokeStyle, lineWidth: st.lineWidth, dash, ...extra });
  const methods: Record<string, (...a: unknown[]) => unknown> = {
    fill: () => { ops.push(snap('fill')); },
    stroke: () => { ops.push(snap('stroke')); },
    fillRect: () => { ops.push(snap('fillRect')); },
    fillText: (text, x, y) => { ops.push(snap('fillText', { text: String(text), x: Number(x), y: Number(y) })); },
    strokeText: () => {},
    setLineDash: (d) => { dash = [...(d as number[])]; },
    measureText: (text) => ({ width: String(text).length * 12 }),
  };
  const ctx = new Proxy({}, {
    get: (_t, k: string) => methods[k] ?? (k in st ? st[k] : () => {}),
    set: (_t, k: string, v) => { st[k] = v; return true; },
  }) as unknown as CanvasRenderingContext2D;
  return { ctx, ops };
}

