// Escaping and small building blocks for the HTML report. Every string from the AuditResult goes through esc().

/** Escape for HTML text and double- or single-quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * JSON that is safe inside <script type="application/json">: no "<" (so no "</script>" or "<!--"), and U+2028/2029
 * escaped (they end lines in older JS parsers). JSON.parse of the element's text gives the value back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A value for an HTML id attribute: finding ids are content hashes, but we never trust them to be clean. */
export function anchorId(prefix: string, id: string): string {
  return `${prefix}-${id.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}`)}`;
}

/** Only http(s) links leave the page; anything else is shown as text. */
export function link(href: string | undefined, text: string): string {
  if (!href || !/^https:\/\/[^\s"'<>]+$/.test(href)) return esc(text);
  return `<a href="${esc(href)}" rel="noopener noreferrer" target="_blank">${esc(text)}</a>`;
}

export interface Column<T> {
  title: string;
  /** Cell HTML (already escaped by the caller). */
  html: (row: T) => string;
  /** Sort key; numbers sort numerically. A column without it is not sortable. */
  sort?: (row: T) => number | string;
  numeric?: boolean;
  className?: string;
}

/** A table; with `sortable`, headers with a sort key become buttons handled by the page script. */
export function table<T>(rows: T[], cols: Column<T>[], opts: { id?: string; sortable?: boolean; empty?: string } = {}): string {
  if (rows.length === 0) return `<p class="empty">${esc(opts.empty ?? 'None.')}</p>`;
  const head = cols
    .map((c) => {
      const cls = c.numeric ? ' class="num"' : '';
      if (!opts.sortable || !c.sort) return `<th scope="col"${cls}>${esc(c.title)}</th>`;
      return `<th scope="col"${cls} data-type="${c.numeric ? 'num' : 'text'}"><button type="button">${esc(c.title)}</button></th>`;
    })
    .join('');
  const body = rows
    .map((r, i) => {
      const tds = cols
        .map((c) => {
          const cls = [c.numeric ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ');
          const v = c.sort ? ` data-v="${esc(c.sort(r))}"` : '';
          return `<td${cls ? ` class="${cls}"` : ''}${v}>${c.html(r)}</td>`;
        })
        .join('');
      return `<tr data-i="${i}">${tds}</tr>`;
    })
    .join('\n');
  const attrs = `${opts.id ? ` id="${esc(opts.id)}"` : ''}${opts.sortable ? ' class="sortable"' : ''}`;
  return `<div class="table-wrap"><table${attrs}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** Definition list of label/value pairs; values are escaped unless given as { html }. */
export function dl(pairs: [string, string | { html: string } | undefined][]): string {
  return `<dl class="meta">${pairs
    .filter((p) => p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${typeof v === 'object' ? v!.html : esc(v)}</dd>`)
    .join('')}</dl>`;
}
