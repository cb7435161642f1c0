import type ParserType from 'tree-sitter';

type ParserClass = typeof ParserType;

// tree-sitter's index.js wraps the native prototypes when it loads and breaks when loaded a second time in one
// process, which jest does (a module registry per test file). The first load is kept on a core module object (node:v8; jest mocks node:module),
// which every registry shares, so the wrapper is installed once.
const STASH = Symbol.for('scratch-audit.tree-sitter');
function treeSitter(): { Parser: ParserClass; Python: unknown } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const holder = require('node:v8') as Record<symbol, { Parser: ParserClass; Python: unknown } | undefined>;
  let loaded = holder[STASH];
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = { Parser: require('tree-sitter') as ParserClass, Python: require('tree-sitter-python') as unknown };
    try {
      Object.defineProperty(holder, STASH, { value: loaded });
    } catch {
      /* a frozen namespace: then we are not under jest, and one load is all there is */
    }
  }
  return loaded;
}
type Parser = ParserType;

let parser: Parser | undefined;

/** One parser per thread, reused: creating one costs more than parsing a small file. */
export function pythonParser(): Parser {
  if (!parser) {
    const ts = treeSitter();
    parser = new ts.Parser();
    parser.setLanguage(ts.Python as ParserType.Language);
  }
  return parser;
}

// Node's tree-sitter binding reads the input in chunks through a callback; a large buffer size keeps big files in
// one or two chunks.
const BUFFER_SIZE = 1 << 20;

/** Parses Python source text. Never throws on syntax errors: the tree then has ERROR nodes (tree.rootNode.hasError). */
export function parsePython(source: string): ParserType.Tree {
  return pythonParser().parse(source, undefined, { bufferSize: Math.max(BUFFER_SIZE, source.length + 1) });
}
