// SentencePiece `.model` (protobuf ModelProto) -> Vocabulary, decoded by hand from the wire format.
// ModelProto: pieces = 1 {piece = 1, score = 2, type = 3}, trainer_spec = 2, normalizer_spec = 3.

import { sentencePieceToBytes } from './bytes';
import { fieldFloat, fieldString, fieldVarint, readFields, WireError } from './protobuf';
import type { AddedToken, Vocabulary } from './types';

// sentencepiece.ModelProto.SentencePiece.Type
const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;
const USER_DEFINED = 4;
const UNUSED = 5;
const BYTE = 6;
const TYPE_NAMES: Record<number, string> = { [UNKNOWN]: 'unknown', [CONTROL]: 'control', [USER_DEFINED]: 'user-defined', [UNUSED]: 'unused' };
const MODEL_TYPES: Record<number, string> = { 1: 'unigram', 2: 'bpe', 3: 'word', 4: 'char' };

export const MAX_PIECES = 4_000_000;

export interface SentencePieceEntry {
  piece: string;
  score: number;
  type: number;
}

/** Pieces, scores and types in id order, plus trainer-spec breadcrumbs. Throws WireError on malformed input. */
export function decodeSentencePieceModel(buf: Uint8Array): { pieces: SentencePieceEntry[]; breadcrumbs: Vocabulary['breadcrumbs'] } {
  const pieces: SentencePieceEntry[] = [];
  const breadcrumbs: Vocabulary['breadcrumbs'] = {};
  for (const f of readFields(buf)) {
    if (f.field === 1) {
      if (f.wireType !== 2) throw new WireError('pieces: expected a message');
      if (pieces.length >= MAX_PIECES) throw new WireError(`more than ${MAX_PIECES} pieces`);
      const entry: SentencePieceEntry = { piece: '', score: 0, type: NORMAL };
      for (const g of readFields(buf, f.start, f.end)) {
        if (g.field === 1) entry.piece = fieldString(buf, g);
        else if (g.field === 2) entry.score = fieldFloat(buf, g);
        else if (g.field === 3) entry.type = fieldVarint(g);
      }
      pieces.push(entry);
    } else if (f.field === 2 && f.wireType === 2) {
      readTrainerSpec(buf, f.start, f.end, breadcrumbs);
    } else if (f.field === 3 && f.wireType === 2) {
      for (const g of readFields(buf, f.start, f.end)) {
        if (g.field === 1 && g.wireType === 2) breadcrumbs.normalizer = fieldString(buf, g);
        else if (g.field === 3 && g.wireType === 0) breadcrumbs.add_dummy_prefix = fieldVarint(g) !== 0;
      }
    }
  }
  if (pieces.length === 0) throw new WireError('no pieces: not a SentencePiece model');
  return { pieces, breadcrumbs };
}

// TrainerSpec fields kept as provenance: the original run's inputs, prefix, type and size.
function readTrainerSpec(buf: Uint8Array, start: number, end: number, out: Vocabulary['breadcrumbs']): void {
  const inputs: string[] = [];
  for (const g of readFields(buf, start, end)) {
    if (g.field === 1 && g.wireType === 2 && inputs.length < 100) inputs.push(fieldString(buf, g).slice(0, 500));
    else if (g.field === 2 && g.wireType === 2) out.model_prefix = fieldString(buf, g).slice(0, 500);
    else if (g.field === 3 && g.wireType === 0) out.model_type = MODEL_TYPES[fieldVarint(g)] ?? String(fieldVarint(g));
    else if (g.field === 4 && g.wireType === 0) out.vocab_size = fieldVarint(g);
    else if (g.field === 7 && g.wireType === 2) out.input_format = fieldString(buf, g).slice(0, 100);
    else if (g.field === 10 && g.wireType === 5) out.character_coverage = fieldFloat(buf, g);
    else if (g.field === 35 && g.wireType === 0) out.byte_fallback = fieldVarint(g) !== 0;
  }
  if (inputs.length) out.input = inputs;
}

export function sentencePieceToVocabulary(buf: Uint8Array): Vocabulary {
  const { pieces, breadcrumbs } = decodeSentencePieceModel(buf);
  const tokens: (string | undefined)[] = new Array(pieces.length);
  const added: AddedToken[] = [];
  const warnings: string[] = [];
  pieces.forEach((p, id) => {
    if (p.type === NORMAL || p.type === BYTE) tokens[id] = sentencePieceToBytes(p.piece, p.type === BYTE);
    else if (TYPE_NAMES[p.type]) added.push({ content: p.piece, id, special: p.type !== USER_DEFINED });
    else {
      warnings.push(`piece ${id} has unknown type ${p.type}; treated as regular`);
      tokens[id] = sentencePieceToBytes(p.piece, false);
    }
  });
  return { format: 'sentencepiece', style: 'sentencepiece', tokens, added, merges: [], breadcrumbs, warnings: warnings.slice(0, 20), files: [] };
}

// Piece type numbers, for tests and fixtures that encode models by hand.
export { NORMAL as SP_NORMAL, BYTE as SP_BYTE, CONTROL as SP_CONTROL, UNKNOWN as SP_UNKNOWN, USER_DEFINED as SP_USER_DEFINED, UNUSED as SP_UNUSED };
