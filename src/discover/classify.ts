import type { FileKind } from '../evidence';

const WEIGHT_EXT = new Set(['.safetensors', '.bin', '.pt', '.pth', '.ckpt', '.gguf', '.onnx', '.npy', '.npz', '.h5', '.msgpack', '.pkl', '.pickle']);
const TOKENIZER_NAMES = new Set(['tokenizer.json', 'tokenizer.model', 'spiece.model', 'sentencepiece.bpe.model', 'vocab.json', 'merges.txt', 'vocab.txt']);
const MANIFEST_NAMES = new Set(['pyproject.toml', 'setup.cfg', 'environment.yml', 'environment.yaml', 'pipfile', 'pipfile.lock', 'poetry.lock']);

function ext(name: string): string {
  const i = name.lastIndexOf('.');
  return i <= 0 ? '' : name.slice(i).toLowerCase();
}

/** Decides a file's kind from its path alone (content sniffing happens in the readers). */
export function classify(relPath: string): FileKind {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  const lower = name.toLowerCase();
  const e = ext(lower);
  if (e === '.py' || e === '.pyi') return 'python';
  if (e === '.ipynb') return 'notebook';
  if (MANIFEST_NAMES.has(lower) || /^requirements[\w.-]*\.(txt|in)$/.test(lower) || (lower.startsWith('requirements') && e === '.txt')) return 'manifest';
  if (TOKENIZER_NAMES.has(lower) || e === '.tiktoken') return 'tokenizer';
  if (WEIGHT_EXT.has(e)) return 'weights';
  if (/^(licen[cs]e|copying|notice|unlicense)([.-].*)?$/i.test(name)) return 'licence';
  if (e === '.json' && (lower === 'config.json' || lower.endsWith('_config.json') || lower.endsWith('.index.json') || lower === 'params.json')) return 'config';
  return 'other';
}

/** Does the file's content count as code mass (and so may be fingerprinted)? */
export function isCode(kind: FileKind): kind is 'python' | 'notebook' {
  return kind === 'python' || kind === 'notebook';
}
