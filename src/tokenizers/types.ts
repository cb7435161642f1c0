// Data shapes shared by the tokenizer readers, signatures and comparison.

/** Container format a vocabulary was read from. */
export type TokenizerFormat = 'tokenizer.json' | 'sentencepiece' | 'tiktoken' | 'vocab+merges' | 'packed';

/** How the raw token strings were spelled before normalization to bytes. */
export type TokenStyle = 'byte-level' | 'sentencepiece' | 'raw-bytes' | 'unicode';

export interface AddedToken {
  content: string;
  id: number;
  special: boolean;
}

/**
 * A vocabulary normalized to bytes, so that GPT-2 byte-level BPE, SentencePiece and tiktoken compare.
 * Token bytes are held as latin1 strings (one char per byte): cheap Map keys, exact round trip.
 */
export interface Vocabulary {
  format: TokenizerFormat;
  style: TokenStyle;
  /** Regular (non-special) tokens by id; holes are undefined. */
  tokens: (string | undefined)[];
  /** Special / added / control tokens, compared separately (their ids are breadcrumbs). */
  added: AddedToken[];
  /** Merge rules in priority order, both sides normalized to bytes; empty when the format has none. */
  merges: [string, string][];
  /** Provenance hints found in the file (SentencePiece trainer spec, pre-tokenizer, ...). Plain JSON values. */
  breadcrumbs: Record<string, string | number | boolean | string[]>;
  /** Non-fatal oddities (duplicate ids, undecodable pieces, ...). */
  warnings: string[];
  /** SHA-256 of the file(s) the vocabulary was read from, when read from a file. */
  files: FileHash[];
}

export interface FileHash {
  name: string;
  bytes: number;
  sha256: string;
}

/** On-disk, committed form of a reference tokenizer: derived hashes only, no token text except specials. */
export interface TokenizerSignature {
  schema: 'scratch-audit/tokenizer-signature@1';
  name: string;
  version: string;
  source?: string;
  licence?: string;
  format: TokenizerFormat;
  style: TokenStyle;
  files: FileHash[];
  sizes: {
    /** Regular tokens. */
    regular: number;
    /** Regular tokens longer than one byte: the population the set metrics use. */
    multiByte: number;
    /** 1 + highest regular id. */
    idSpan: number;
    added: number;
    merges: number;
  };
  hashes: {
    /** SHA-256 of the (id, bytes) list of regular tokens. */
    vocab: string;
    /** SHA-256 of the sorted set of regular token bytes (ids ignored). */
    vocabSet: string;
    merges: string | null;
    added: string;
  };
  /** Hash-sampled multi-byte tokens: base64 of records [hash48 (6 bytes LE), id (u32 LE)], sorted by hash. */
  sample: { records: number; data: string };
  /** Ids of the 256 single-byte tokens (-1 when absent): base64 of Int32 LE. */
  singleByteIds: string;
  /** 32-bit hashes of consecutive id blocks of regular tokens, for the same-id prefix. */
  blocks: { size: number; data: string };
  /** Same as sample/blocks for merges (hash48 of the normalized pair, rank). */
  mergeSample: { records: number; data: string };
  mergeBlocks: { size: number; data: string };
  added: [string, number][];
  breadcrumbs: Record<string, string | number | boolean | string[]>;
}

export type Relation = 'identical' | 'derived' | 're-indexed' | 'informational';

/** Figures of one candidate-vs-reference comparison. Estimates come from the reference's hash sample. */
export interface TokenizerComparison {
  reference: string;
  relation: Relation;
  reason: string;
  fileIdentical: boolean;
  vocabIdentical: boolean;
  vocabSetIdentical: boolean;
  /** Shared multi-byte tokens / reference multi-byte tokens. */
  containmentOfReference: number;
  /** Shared multi-byte tokens / candidate multi-byte tokens. */
  containmentOfCandidate: number;
  /** Shared / the smaller vocabulary: the figure the rule uses. */
  containment: number;
  jaccard: number;
  sharedEstimate: number;
  /** Reference tokens in its sample; candidate tokens in the same hash range; shared among them. */
  sampled: number;
  candidateSampled: number;
  sampledShared: number;
  /** Spearman correlation of the ids of shared sampled tokens; null with fewer than 3 shared. */
  spearman: number | null;
  sameIdEstimate: number;
  /** Length of the identical-id prefix, at block resolution (a lower bound, exact when the block size is 1). */
  sameIdPrefix: number;
  sameIdPrefixShare: number;
  merges: {
    reference: number;
    candidate: number;
    containmentOfReference: number | null;
    spearman: number | null;
    samePrefix: number;
    identical: boolean;
  };
  /** Special tokens present in both with the same id (first few). */
  sharedSpecials: string[];
  candidateSize: number;
  referenceSize: number;
}
