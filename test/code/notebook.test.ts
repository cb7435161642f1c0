import { analyzeCode } from '../../src/code/analyze';
import { describeNotebookRange, notebookCode, NotebookError } from '../../src/code/notebook';

const nb = (cells: unknown[]): string => JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

describe('notebooks', () => {
  test('joins code cells, maps lines back to cells, blanks magics', () => {
    const json = nb([
      { cell_type: 'markdown', source: ['# Title\n'] },
      { cell_type: 'code', source: ['%matplotlib inline\n', 'import torch\n', 'x = torch.ones(3)'] },
      { cell_type: 'code', source: 'def f(a):\n    return a * 2\n' },
    ]);
    const code = notebookCode(json);
    expect(code.codeCells).toBe(2);
    expect(code.source.split('\n').slice(0, 5)).toEqual(['', 'import torch', 'x = torch.ones(3)', 'def f(a):', '    return a * 2']);
    expect(describeNotebookRange(code, 4, 5)).toBe('cell 3, lines 1-2');
    expect(describeNotebookRange(code, 2, 4)).toBe('cell 2 line 2 to cell 3 line 1');
    const a = analyzeCode(Buffer.from(json), 'notebook', { k: 40, w: 20 });
    expect(a.warnings).toEqual([]);
    expect(a.notebook?.cells[3]).toBe(3);
    expect(a.mass).toBeGreaterThan(10);
  });

  test('a file that is not a notebook is a clear error', () => {
    expect(() => notebookCode('{"cells": 3}')).toThrow(NotebookError);
    expect(() => notebookCode('not json')).toThrow(/not valid JSON/);
    expect(() => notebookCode(nb([{ cell_type: 'code', source: 5 }]))).toThrow(/neither a string nor a list/);
  });
});
