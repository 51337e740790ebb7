// Renders unknown JSON (the evaluation endpoint's output, whose exact shape is defined later) as
// tables: every array of objects found anywhere becomes a table with the union of its keys.

export interface Table { title: string; columns: string[]; rows: Record<string, unknown>[] }

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function extractTables(json: unknown, title = '', depth = 0): Table[] {
  if (depth > 6 || json == null) return [];
  if (Array.isArray(json)) {
    const objs = json.filter(isPlainObject);
    if (objs.length > 0 && objs.length === json.length) {
      const columns: string[] = [];
      for (const o of objs) for (const k of Object.keys(o)) if (!columns.includes(k)) columns.push(k);
      return [{ title, columns, rows: objs }];
    }
    return json.flatMap((v, i) => extractTables(v, `${title}[${i}]`, depth + 1));
  }
  if (isPlainObject(json)) {
    const tables = Object.entries(json).flatMap(([k, v]) => extractTables(v, title ? `${title}.${k}` : k, depth + 1));
    // Scalars at this level become a two-column table of their own.
    const scalars = Object.entries(json).filter(([, v]) => v === null || typeof v !== 'object');
    if (scalars.length) {
      tables.unshift({ title: title || '', columns: ['项目', '值'], rows: scalars.map(([k, v]) => ({ 项目: k, 值: v })) });
    }
    return tables;
  }
  return [];
}

export function formatCell(v: unknown): string {
  if (v == null) return '—';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '—';
    return Number.isInteger(v) ? String(v) : v.toFixed(2);
  }
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Numeric columns are right-aligned. */
export function isNumericColumn(t: Table, col: string): boolean {
  const vals = t.rows.map((r) => r[col]).filter((v) => v != null);
  return vals.length > 0 && vals.every((v) => typeof v === 'number');
}
