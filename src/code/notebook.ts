/**
 * Jupyter notebooks: the code cells become one Python text, and each of its lines maps back to (cell, line).
 * IPython magics and shell escapes (%, %%, !) are blanked, keeping line numbers, so the parser does not stumble.
 */
export interface NotebookCode {
  source: string;
  /** For line L (1-based) of `source`: cells[L-1] is the 1-based index of the code cell, cellLines[L-1] its line. */
  cells: number[];
  cellLines: number[];
  codeCells: number;
}

export class NotebookError extends Error {}

function cellText(src: unknown): string {
  if (typeof src === 'string') return src;
  if (Array.isArray(src) && src.every((s) => typeof s === 'string')) return src.join('');
  throw new NotebookError('a cell source is neither a string nor a list of strings');
}

export function notebookCode(json: string): NotebookCode {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new NotebookError(`not valid JSON (${(e as Error).message})`);
  }
  const cellsArr = (doc as { cells?: unknown }).cells;
  if (!Array.isArray(cellsArr)) throw new NotebookError('no "cells" list: not an nbformat 4 notebook');
  const lines: string[] = [];
  const cells: number[] = [];
  const cellLines: number[] = [];
  let codeCells = 0;
  cellsArr.forEach((cell: unknown, index) => {
    const c = cell as { cell_type?: unknown; source?: unknown };
    if (c.cell_type !== 'code') return;
    codeCells++;
    const text = cellText(c.source ?? '');
    const own = text.split('\n');
    if (own.length > 1 && own[own.length - 1] === '') own.pop();
    own.forEach((line, i) => {
      const t = line.trimStart();
      lines.push(t.startsWith('%') || t.startsWith('!') ? '' : line);
      cells.push(index + 1);
      cellLines.push(i + 1);
    });
  });
  return { source: lines.length ? lines.join('\n') + '\n' : '', cells, cellLines, codeCells };
}

/** "cell 3, lines 2-9" for a line range of the joined source. */
export function describeNotebookRange(nb: Pick<NotebookCode, 'cells' | 'cellLines'>, start: number, end: number): string {
  const c1 = nb.cells[start - 1];
  const c2 = nb.cells[end - 1];
  if (c1 === undefined || c2 === undefined) return `lines ${start}-${end}`;
  if (c1 === c2) return `cell ${c1}, lines ${nb.cellLines[start - 1]}-${nb.cellLines[end - 1]}`;
  return `cell ${c1} line ${nb.cellLines[start - 1]} to cell ${c2} line ${nb.cellLines[end - 1]}`;
}
