// Treemap of the repository tree for the HTML report: area = code tokens, colour = copied share.
// Laid out here (not in the browser) so that it prints and needs no script: nested slice-and-dice by folder,
// alternating the cut direction per level, in percentages of the container.
import type { FileSummary } from '../evidence';
import { esc } from './html-util';

interface Node {
  name: string;
  size: number;
  children: Map<string, Node>;
  file?: FileSummary;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TreemapTile extends Rect {
  file: FileSummary;
}

function buildTree(files: FileSummary[]): Node {
  const root: Node = { name: '', size: 0, children: new Map() };
  for (const f of files) {
    const size = Math.max(1, f.tokens);
    let node = root;
    node.size += size;
    for (const part of f.path.split('/')) {
      let next = node.children.get(part);
      if (!next) node.children.set(part, (next = { name: part, size: 0, children: new Map() }));
      next.size += size;
      node = next;
    }
    node.file = f;
  }
  return root;
}

export interface TreemapFolder extends Rect {
  path: string;
}

export function layoutTreemap(files: FileSummary[]): { tiles: TreemapTile[]; folders: TreemapFolder[] } {
  const tiles: TreemapTile[] = [];
  const folders: TreemapFolder[] = [];
  const visit = (node: Node, r: Rect, depth: number, path: string): void => {
    if (node.file && node.children.size === 0) {
      tiles.push({ ...r, file: node.file });
      return;
    }
    if (depth > 0) folders.push({ ...r, path });
    // Largest first, name as tie-break, so the picture is the same on every run.
    const kids = [...node.children.values()].sort((a, b) => b.size - a.size || a.name.localeCompare(b.name));
    const horizontal = depth % 2 === 0 ? r.w >= r.h * 0.5 : r.w >= r.h * 2;
    let offset = 0;
    for (const k of kids) {
      const f = node.size > 0 ? k.size / node.size : 0;
      const sub = horizontal
        ? { x: r.x + offset * r.w, y: r.y, w: f * r.w, h: r.h }
        : { x: r.x, y: r.y + offset * r.h, w: r.w, h: f * r.h };
      offset += f;
      visit(k, sub, depth + 1, path ? `${path}/${k.name}` : k.name);
    }
  };
  visit(buildTree(files), { x: 0, y: 0, w: 100, h: 100 }, 0, '');
  return { tiles, folders };
}

/** Green (own) to red (copied); excluded files grey. */
export function shareColour(copiedShare: number, excluded: boolean): string {
  if (excluded) return 'hsl(0,0%,80%)';
  const s = Math.min(1, Math.max(0, copiedShare));
  return `hsl(${Math.round(120 * (1 - s))},62%,${Math.round(72 - 12 * s)}%)`;
}

export function renderTreemap(files: FileSummary[]): string {
  if (files.length === 0) return '<p class="empty">No code files.</p>';
  const layout = layoutTreemap(files);
  const pos = (t: Rect) => `left:${t.x.toFixed(3)}%;top:${t.y.toFixed(3)}%;width:${t.w.toFixed(3)}%;height:${t.h.toFixed(3)}%`;
  const tiles = layout.tiles
    .map((t) => {
      const f = t.file;
      const s = f.tokens > 0 ? f.copiedTokens / f.tokens : 0;
      const label = `${f.path}: ${f.tokens} tokens, ${(s * 100).toFixed(1)} % copied${f.excluded ? ` (excluded: ${f.excluded})` : ''}`;
      const name = f.path.split('/').pop() ?? f.path;
      const showName = t.w > 9 && t.h > 7;
      return (
        `<div class="tile${f.excluded ? ' excluded' : ''}" title="${esc(label)}" ` +
        `style="${pos(t)};background:${shareColour(s, !!f.excluded)}">` +
        `${showName ? `<span>${esc(name)}</span>` : ''}</div>`
      );
    })
    .join('');
  // Folder frames drawn over the tiles so the tree structure stays visible.
  const frames = layout.folders
    .map((d) => `<div class="folder" style="${pos(d)}">${d.w > 8 && d.h > 10 ? `<span>${esc(d.path)}/</span>` : ''}</div>`)
    .join('');
  return `<div class="treemap" role="img" aria-label="Treemap of code files by size and copied share">${tiles}${frames}</div>
<div class="scale"><span>own</span><i style="background:linear-gradient(90deg,${shareColour(0, false)},${shareColour(0.5, false)},${shareColour(1, false)})"></i><span>copied</span><b style="background:${shareColour(0, true)}"></b><span>excluded</span></div>`;
}
