// Builds the committed reference signatures from npm devDependencies read in place.
// Usage (after `npx tsc -p tsconfig.build.json`): node dist/tokenizers/build-references.js signatures/tokenizers [node_modules]
// Output is deterministic (no timestamps), so a rebuild changes files only when the data changes.

import * as path from 'node:path';
import { writeSignature } from './index';
import { defaultModulesDir, REFERENCE_SOURCES } from './npm-sources';
import { signatureFromVocabulary } from './signature';
import type { TokenizerSignature } from './types';

export function buildReferenceSignatures(modules = defaultModulesDir()): TokenizerSignature[] {
  return REFERENCE_SOURCES.map((src) => {
    const vocab = src.load(modules);
    return signatureFromVocabulary(vocab, { name: src.name, version: src.version, licence: src.licence, source: src.source });
  });
}

export function main(argv: string[]): number {
  const out = argv[0];
  if (!out) {
    process.stderr.write('usage: build-references <out-dir> [node_modules dir]\n');
    return 2;
  }
  const modules = argv[1] ? path.resolve(argv[1]) : defaultModulesDir();
  let total = 0;
  for (const sig of buildReferenceSignatures(modules)) {
    const w = writeSignature(sig, out);
    total += w.bytes;
    process.stdout.write(`${path.basename(w.path)}\t${w.bytes} bytes\t${sig.sizes.regular} tokens\t${sig.sizes.merges} merges\n`);
  }
  process.stdout.write(`total\t${total} bytes\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
