import { tokenizePython } from '../../src/code/python-tokens';
import { KIND_DEDENT, KIND_INDENT, KIND_NAME, KIND_NUMBER, KIND_STRING, kindText } from '../../src/code/token-kinds';

const text = (src: string): string => Array.from(tokenizePython(src).kinds, kindText).join(' ');

describe('tokenizePython', () => {
  test('collapses names, strings and numbers; keeps keywords, operators and block structure', () => {
    expect(text('def f(x):\n    return x + 1\n')).toBe('def $ ( $ ) : <INDENT> return $ + N <DEDENT>');
    expect(text('y = "a" if z is not None else 2.5\n')).toBe('$ = S if $ is not None else N');
  });

  test('drops comments, docstrings and bare string statements', () => {
    const src = '"""module doc"""\n# comment\nclass A:\n    """class doc"""\n    x = 1  # trailing\n    "a string used as a comment"\n';
    expect(text(src)).toBe('class $ : <INDENT> $ = N <DEDENT>');
  });

  test('a string that is part of an expression stays', () => {
    expect(text('print("hi")\n')).toBe('$ ( S )');
  });

  test('f-strings and concatenated strings are one token each', () => {
    expect(text('x = f"a{b}c" "d"\n')).toBe('$ = S');
  });

  test('renaming and reformatting do not change the stream', () => {
    const a = tokenizePython('def area(w, h):\n    return w * h\n');
    const b = tokenizePython('def surface(\n    width,\n    height,\n):\n    # renamed\n    return (width) * height if True else 0\n');
    const c = tokenizePython('def surface(width, height):  \n\n        return width * height\n');
    expect(Array.from(c.kinds)).toEqual(Array.from(a.kinds));
    expect(Array.from(b.kinds)).not.toEqual(Array.from(a.kinds)); // parentheses and a conditional are real tokens
  });

  test('keeps the line of each token and raw-text hashes that tell renamed from verbatim', () => {
    const a = tokenizePython('x = 1\n\ny = x\n');
    expect(Array.from(a.lines)).toEqual([1, 1, 1, 3, 3, 3]);
    const b = tokenizePython('z = 1\n\ny = z\n');
    expect(a.raw[0]).not.toBe(b.raw[0]); // x vs z
    expect(a.raw[1]).toBe(b.raw[1]); // '='
    expect(a.kinds[0]).toBe(KIND_NAME);
    expect(a.kinds[2]).toBe(KIND_NUMBER);
  });

  test('code mass leaves out the synthetic block markers; code lines count lines with tokens', () => {
    const t = tokenizePython('if a:\n    b = "s"\n\n# only a comment\n');
    expect(Array.from(t.kinds)).toContain(KIND_INDENT);
    expect(Array.from(t.kinds)).toContain(KIND_DEDENT);
    expect(Array.from(t.kinds)).toContain(KIND_STRING);
    expect(t.count).toBe(8);
    expect(t.mass).toBe(6);
    expect(t.codeLines).toBe(2);
    expect(t.lineCount).toBe(4);
  });

  test('records top-level symbols with lines and mass', () => {
    const t = tokenizePython('import os\nLIMIT = 3\n\n@dec\nclass Net(Base):\n    pass\n\ndef run(a):\n    return a\n');
    expect(t.symbols.map((s) => [s.name, s.kind, s.start, s.end])).toEqual([
      ['LIMIT', 'variable', 2, 2],
      ['Net', 'class', 4, 6],
      ['run', 'function', 8, 9],
    ]);
    expect(t.symbols[2].tokens).toBe(8);
  });

  test('files with syntax errors still give tokens for what parsed, and say where the error is', () => {
    const t = tokenizePython('def ok(a):\n    return a\n\ndef broken(:\n    pass\n\nx = 1\n');
    expect(t.syntaxErrors).toBeGreaterThan(0);
    expect(t.firstErrorLine).toBe(4);
    expect(text('def ok(a):\n    return a\n')).toBe(Array.from(t.kinds.subarray(0, 10), kindText).join(' '));
  });

  test('empty and comment-only files give no tokens', () => {
    expect(tokenizePython('').count).toBe(0);
    expect(tokenizePython('# nothing\n').count).toBe(0);
  });

  test('non-ASCII source keeps correct lines', () => {
    const t = tokenizePython('한 = "모델"\n\né = 1\n');
    expect(Array.from(t.lines)).toEqual([1, 1, 1, 3, 3, 3]);
  });

  test('lexes the corners of Python: prefixes, nested f-strings, numbers, continuations, tabs and CRLF', () => {
    expect(text('x = rb"\\d" + Rb\'q\' + f"{a[\'k\']!r:>{w}}" + u"""t\n"""\n')).toBe('$ = S + S + S + S');
    expect(text('n = 0x1F + 1_000 + 1e-5 + .5 + 3j + 0o17 + 0b101\n')).toBe('$ = N + N + N + N + N + N + N');
    expect(text('total = a + \\\n    b\n')).toBe('$ = $ + $');
    expect(text('if a:\r\n\tif b:\r\n\t\treturn c\r\n')).toBe('if $ : <INDENT> if $ : <INDENT> return $ <DEDENT> <DEDENT>');
    expect(text('y = a if b not in c and d is not e else ...\n')).toBe('$ = $ if $ not in $ and $ is not $ else ...');
    expect(text('@dec(1)\nasync def f(*a, **k) -> None: await g(a := 1)\n')).toBe('@ $ ( N ) async def $ ( * $ , ** $ ) -> None : await $ ( $ := N )');
  });

  test('adjacent strings are one token; strings inside brackets across lines too; a docstring after code is dropped', () => {
    expect(text('x = ("a"\n     "b" # c\n     f"d")\n')).toBe('$ = ( S )');
    expect(text('def f():\n    """doc"""\n    return 1\n')).toBe('def $ ( ) : <INDENT> return N <DEDENT>');
    expect(text('"""a""" + b\n')).toBe('S + $');
  });

  test('an unterminated string ends at its line and the rest of the file still lexes', () => {
    expect(text('a = "open\nb = 2\n')).toBe('$ = S $ = N');
  });

  test('lines inside brackets do not change indentation', () => {
    expect(text('f(a,\n  b,\n        c)\nd = 1\n')).toBe('$ ( $ , $ , $ ) $ = N');
  });
});

