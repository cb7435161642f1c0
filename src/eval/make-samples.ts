// Regenerates the derived sample repositories and the stand-in pack from samples/upstream and samples/bidder-scratch:
//   npm run build && node dist/eval/make-samples.js
// The derived samples are committed (the README's quick start audits one), this script says how they were made.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPack } from '../signatures/build';
import { packageRoot } from '../util/package-root';
import { makeMultimodalSample } from './make-multimodal-sample';
import { reformat, renameIdentifiers, stripComments } from './transform';

const SAMPLES = path.join(packageRoot(), 'samples');
const UPSTREAM = path.join(SAMPLES, 'upstream', 'tinyformer');
const SCRATCH = path.join(SAMPLES, 'bidder-scratch');

function read(p: string): string {
  return fs.readFileSync(p, 'utf8');
}

function copyTree(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
}

/** Lines [start, end] (1-based) of a file whose first line matches `startsWith`, up to the next top-level or method def. */
function block(source: string, startsWith: string): string {
  const lines = source.split('\n');
  const i = lines.findIndex((l) => l.trimStart().startsWith(startsWith));
  if (i < 0) throw new Error(`no line starting with ${startsWith}`);
  const indent = lines[i].length - lines[i].trimStart().length;
  let j = i + 1;
  while (j < lines.length && (lines[j].trim() === '' || lines[j].length - lines[j].trimStart().length > indent)) j++;
  while (j > i && lines[j - 1].trim() === '') j--;
  // Decorators directly above belong to the block.
  let s = i;
  while (s > 0 && lines[s - 1].trimStart().startsWith('@')) s--;
  return lines.slice(s, j).join('\n');
}

function derived(name: string, transform: (src: string) => string, readme: string): void {
  const dir = path.join(SAMPLES, name);
  copyTree(SCRATCH, dir);
  // The derived model replaces the team's own layers and network with the upstream's, transformed.
  fs.rmSync(path.join(dir, 'hanmodel', 'layers.py'));
  fs.rmSync(path.join(dir, 'hanmodel', 'network.py'));
  for (const f of ['attention.py', 'model.py', 'config.py']) {
    fs.writeFileSync(path.join(dir, 'hanmodel', f), transform(read(path.join(UPSTREAM, 'tinyformer', f))));
  }
  fs.writeFileSync(path.join(dir, 'README.md'), readme);
}

const renamer = (n: string): string => (/^[A-Z]/.test(n) ? `Han${n}` : `${n}_h`);

async function main(): Promise<void> {
  derived('bidder-verbatim', (s) => s, '# bidder-verbatim (sample)\n\nThe own training script, with the model files of the stand-in upstream tinyformer copied byte for byte.\n');
  derived('bidder-renamed', (s) => renameIdentifiers(s, renamer), '# bidder-renamed (sample)\n\nThe tinyformer model files copied with every identifier and attribute renamed.\n');
  derived('bidder-reformatted', (s) => reformat(s), '# bidder-reformatted (sample)\n\nThe tinyformer model files copied and reformatted: two-space indents, one argument per line, spaces between tokens.\n');
  derived('bidder-stripped', (s) => stripComments(s), '# bidder-stripped (sample)\n\nThe tinyformer model files copied with comments and docstrings removed.\n');

  // Pasted: the team's own model, with two upstream functions pasted into its training script and one method into its network.
  const pasted = path.join(SAMPLES, 'bidder-pasted');
  copyTree(SCRATCH, pasted);
  const train = read(path.join(UPSTREAM, 'tinyformer', 'train.py'));
  const pre = path.join(pasted, 'hanmodel', 'pretrain.py');
  const preText = read(pre).replace('\n\ndef main(argv=None):', `\n\n${block(train, 'def cosine_lr')}\n\n\ndef main(argv=None):`);
  fs.writeFileSync(pre, preText);
  const model = read(path.join(UPSTREAM, 'tinyformer', 'model.py'));
  const net = path.join(pasted, 'hanmodel', 'network.py');
  fs.writeFileSync(net, read(net).trimEnd() + '\n\n' + block(model, 'def continue_text') + '\n');
  fs.writeFileSync(path.join(pasted, 'README.md'), '# bidder-pasted (sample)\n\nThe from-scratch hanmodel with upstream code pasted in: `cosine_lr` from tinyformer/train.py into pretrain.py, and `TinyGPT.continue_text` appended to network.py.\n');

  const res = await buildPack(UPSTREAM, path.join(SAMPLES, 'packs'), {
    name: 'tinyformer',
    version: '1.0',
    licence: 'MIT',
    category: 'model-implementation',
    importNames: ['tinyformer'],
    remote: 'samples/upstream/tinyformer (stand-in, part of scratch-audit)',
  });
  await makeMultimodalSample(SAMPLES, SCRATCH);
  process.stdout.write(`samples regenerated; pack ${res.dir}: ${res.manifest.stats.files} files, ${res.manifest.stats.fingerprints} fingerprints\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 2;
});
