import type { Category } from '../evidence';

/**
 * On-disk signature pack, format `scratch-audit/pack@1` (documented in signatures/FORMAT.md).
 *
 * A pack is a folder `<project>@<version>/` holding
 *   - pack.json: this manifest (metadata, parameters, the file table with symbols), plain JSON;
 *   - pack.bin (or pack.bin.gz): little-endian typed-array sections named in `sections`, each 8-byte aligned.
 * Everything is derived data computed by our builder (hashes, counts, normalized token kinds, line tables,
 * symbol names); no upstream source text is stored.
 */
export const PACK_FORMAT = 'scratch-audit/pack@1';

export interface SymbolEntry {
  /** Top-level name defined by the module (class, function, or assigned name). */
  name: string;
  kind: 'class' | 'function' | 'variable';
  start: number; // 1-based line
  end: number;
  /** Code mass of the definition in normalized tokens. */
  tokens: number;
}

export interface PackFile {
  path: string; // relative to the upstream root, forward slashes
  /** Dotted module name (e.g. transformers.models.llama.modeling_llama), when the file is importable. */
  module?: string;
  blobSha1: string; // git blob id of the raw bytes
  normHash: string; // sha256 (hex, first 32 chars) of the normalized token kinds
  lines: number;
  codeLines: number;
  tokens: number; // code mass: normalized tokens without block markers
  category?: Category; // overrides the pack's category for this file
  symbols: SymbolEntry[];
  /** Offsets into the token sections (kinds/raw8) and the line table; -1 counts when the pack stores no streams. */
  tokenOffset: number;
  tokenCount: number;
  lineOffset: number;
  lineCount: number;
}

export interface SectionRef {
  type: 'u8' | 'u32';
  offset: number; // bytes from the start of pack.bin
  length: number; // elements
}

export type SectionName =
  | 'fpHi' // fingerprint high 32 bits, sorted by (hi, lo)
  | 'fpLo'
  | 'fpFile' // index into files[]
  | 'fpPos' // token index of the k-gram start within its file
  | 'kinds' // normalized token kind per token, files concatenated
  | 'raw8' // 8-bit hash of each token's raw text (tells verbatim from renamed)
  | 'lineNo' // line table: for each code line, its 1-based number ...
  | 'lineTok'; // ... and the index of its first token within the file

export interface PackManifest {
  format: typeof PACK_FORMAT;
  /** 'code' packs are matched and reported; 'background' packs only feed document frequency. */
  kind: 'code' | 'background';
  project: string;
  /**
   * Lineage the project belongs to (e.g. llama, llama3 and llama-models are one family): the common-code filter
   * counts families, so code that moved along one lineage is not mistaken for an idiom shared by many projects.
   */
  family?: string;
  version: string;
  commit?: string;
  remote?: string;
  /** Root commit(s) of the upstream history, for fork detection. */
  rootCommits?: string[];
  licence?: string;
  category: Category;
  /** Import names this project provides (e.g. ["transformers"]). */
  importNames?: string[];
  createdAt: string;
  builder: {
    tool: string; // scratch-audit@x.y.z
    k: number;
    w: number;
    vocabulary: number; // version of the normalized token vocabulary
    includes: string[]; // globs that were read
    excludes: string[];
  };
  stats: { files: number; lines: number; tokens: number; fingerprints: number; skipped: number };
  files: PackFile[];
  sections: Partial<Record<SectionName, SectionRef>>;
}
