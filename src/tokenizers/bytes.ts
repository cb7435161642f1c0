// Token spelling -> bytes. Everything downstream compares latin1 strings (one char per byte).

/** GPT-2 byte-level alphabet: printable latin1 bytes stand for themselves, the rest are shifted to U+0100.. in order. */
function buildByteLevelMaps(): { byteToChar: string[]; charToByte: Map<string, number> } {
  const byteToChar: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    byteToChar[b] = String.fromCharCode(printable ? b : 256 + shifted++);
  }
  const charToByte = new Map<string, number>();
  byteToChar.forEach((c, b) => charToByte.set(c, b));
  return { byteToChar, charToByte };
}

const BYTE_LEVEL = buildByteLevelMaps();
// Module-level aliases: inside vm contexts (jest) every global lookup in a hot loop is slow.
const NodeBuffer = Buffer;
const LATIN1: string[] = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));

/** The byte-level spelling of raw bytes (used by tests to write synthetic tokenizer.json files). */
export function bytesToByteLevel(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) out += BYTE_LEVEL.byteToChar[key.charCodeAt(i)];
  return out;
}

/** Byte-level string -> bytes; undefined when a char is outside the alphabet (e.g. a special token). */
export function byteLevelToBytes(token: string): string | undefined {
  let out = '';
  for (const ch of token) {
    const b = BYTE_LEVEL.charToByte.get(ch);
    if (b === undefined) return undefined;
    out += LATIN1[b];
  }
  return out;
}

export function utf8ToKey(text: string): string {
  return NodeBuffer.from(text, 'utf8').toString('latin1');
}

const SP_BYTE = /^<0x([0-9A-Fa-f]{2})>$/;

/** SentencePiece piece -> bytes: `<0xNN>` byte-fallback pieces are that byte, U+2581 is a space. */
export function sentencePieceToBytes(piece: string, isBytePiece: boolean): string {
  if (isBytePiece || piece.length === 6) {
    const m = SP_BYTE.exec(piece);
    if (m) return LATIN1[parseInt(m[1], 16)];
  }
  return utf8ToKey(piece.replace(/\u2581/g, ' '));
}

/** Normalizes a token spelled in the given style; byte-level falls back to UTF-8 for chars outside its alphabet. */
export function normalizeToken(token: string, style: 'byte-level' | 'sentencepiece' | 'unicode'): string {
  if (style === 'byte-level') return byteLevelToBytes(token) ?? utf8ToKey(token);
  if (style === 'sentencepiece') return sentencePieceToBytes(token, false);
  return utf8ToKey(token);
}

// Globals captured once: hot loops then read closure variables, which stays fast inside vm contexts (jest) too.
const imul = Math.imul;
const floor = Math.floor;

// Our own 48-bit string hash: two independent 32-bit multiply-xorshift lanes over the byte values.
// 48 bits keep collisions negligible for 10^5-token vocabularies and fit exactly in a JS number.
export function hash48(key: string): number {
  let a = 0x9e3779b9 | 0;
  let b = 0x85ebca6b | 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = imul(a ^ c, 0x01000193);
    a ^= a >>> 15;
    b = imul(b + c + 0x27d4eb2f, 0x165667b1);
    b ^= b >>> 13;
  }
  a ^= key.length;
  a = imul(a ^ (a >>> 16), 0x85ebca6b);
  a = imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b = imul(b ^ (b >>> 16), 0x7feb352d);
  b = imul(b ^ (b >>> 15), 0x846ca68b);
  b ^= b >>> 16;
  return (b >>> 16) * 0x100000000 + (a >>> 0);
}

/** 32-bit hash of hashes[start, end) (NaN or past the end = a hole), for id blocks. */
export function hashSequence32(hashes: Float64Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) {
    const x = i < hashes.length ? hashes[i] : NaN;
    const lo = x !== x ? 0xdeadbeef : x % 0x100000000;
    const hi = x !== x ? 0x5eed : floor(x / 0x100000000);
    h = imul(h ^ lo, 0x01000193);
    h ^= h >>> 15;
    h = imul(h ^ hi, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}

/** Merge pair key: length-prefixed so that ("ab","c") and ("a","bc") differ. */
export function mergeKey(a: string, b: string): string {
  return `${a.length}:${a}${b}`;
}
