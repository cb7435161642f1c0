import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { VOCABULARY_VERSION } from '../code/token-kinds';
import { PACK_FORMAT, type PackManifest, type SectionName, type SectionRef } from './pack-types';

export class PackError extends Error {}

export interface PackArrays {
  fpHi: Uint32Array;
  fpLo: Uint32Array;
  fpFile: Uint32Array;
  fpPos: Uint32Array;
  kinds?: Uint8Array;
  raw8?: Uint8Array;
  lineNo?: Uint32Array;
  lineTok?: Uint32Array;
}

export interface LoadedPack {
  dir: string;
  manifest: PackManifest;
  arrays: PackArrays;
}

const ORDER: SectionName[] = ['fpHi', 'fpLo', 'fpFile', 'fpPos', 'lineNo', 'lineTok', 'kinds', 'raw8'];

/** Writes pack.json and pack.bin (gzip-compressed as pack.bin.gz when `compress`). */
export function writePack(dir: string, manifest: Omit<PackManifest, 'sections'>, arrays: PackArrays, compress = false): PackManifest {
  fs.mkdirSync(dir, { recursive: true });
  const sections: Partial<Record<SectionName, SectionRef>> = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const name of ORDER) {
    const arr = arrays[name];
    if (!arr) continue;
    const buf = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
    sections[name] = { type: arr instanceof Uint8Array ? 'u8' : 'u32', offset, length: arr.length };
    chunks.push(buf);
    offset += buf.length;
    const pad = (8 - (offset % 8)) % 8; // keep every section 8-byte aligned so it can be viewed in place
    if (pad) {
      chunks.push(Buffer.alloc(pad));
      offset += pad;
    }
  }
  const full: PackManifest = { ...manifest, sections };
  const bin = Buffer.concat(chunks);
  for (const stale of ['pack.bin', 'pack.bin.gz']) fs.rmSync(path.join(dir, stale), { force: true });
  if (compress) fs.writeFileSync(path.join(dir, 'pack.bin.gz'), zlib.gzipSync(bin, { level: 9 }));
  else fs.writeFileSync(path.join(dir, 'pack.bin'), bin);
  fs.writeFileSync(path.join(dir, 'pack.json'), JSON.stringify(full, null, 1) + '\n');
  return full;
}

function rebuildHint(m: { project?: string; version?: string }): string {
  return `rebuild it with: audit signatures build <upstream checkout> --name ${m.project ?? '<name>'} --version ${m.version ?? '<version>'} --out <dir>`;
}

/** Checks that a pack can be matched against streams made with these parameters; throws a PackError telling how to rebuild. */
export function checkCompatible(dir: string, m: PackManifest, params: { k: number; w: number }): void {
  if (m.format !== PACK_FORMAT) {
    throw new PackError(`${dir}: pack format '${String(m.format)}' is not '${PACK_FORMAT}' (older or newer scratch-audit); ${rebuildHint(m)}`);
  }
  if (m.builder.vocabulary !== VOCABULARY_VERSION) {
    throw new PackError(`${dir}: built with token vocabulary v${m.builder.vocabulary}, this scratch-audit uses v${VOCABULARY_VERSION}; ${rebuildHint(m)}`);
  }
  if (m.builder.k !== params.k || m.builder.w !== params.w) {
    throw new PackError(
      `${dir}: built with k=${m.builder.k}, w=${m.builder.w} but this audit uses k=${params.k}, w=${params.w}; ` +
        `${rebuildHint(m)} --k ${params.k} --w ${params.w} (or audit with the pack's parameters)`,
    );
  }
}

function view(buf: Buffer, ref: SectionRef | undefined, name: string, dir: string): Uint8Array | Uint32Array | undefined {
  if (!ref) return undefined;
  const size = ref.type === 'u8' ? 1 : 4;
  if (!Number.isInteger(ref.offset) || !Number.isInteger(ref.length) || ref.offset < 0 || ref.length < 0 || ref.offset + ref.length * size > buf.length) {
    throw new PackError(`${dir}: section ${name} lies outside pack.bin (truncated or corrupt pack)`);
  }
  const at = buf.byteOffset + ref.offset;
  if (ref.type === 'u8') return new Uint8Array(buf.buffer, at, ref.length);
  if (at % 4 === 0) return new Uint32Array(buf.buffer, at, ref.length);
  return new Uint32Array(new Uint8Array(buf.buffer, at, ref.length * 4).slice().buffer);
}

export function readManifest(dir: string): PackManifest {
  const file = path.join(dir, 'pack.json');
  let m: PackManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as PackManifest;
  } catch (e) {
    throw new PackError(`${file}: cannot read pack manifest (${(e as Error).message})`);
  }
  if (typeof m !== 'object' || m === null || !Array.isArray(m.files) || typeof m.sections !== 'object' || !m.builder) {
    throw new PackError(`${file}: not a scratch-audit pack manifest; ${rebuildHint(m ?? {})}`);
  }
  return m;
}

/** Reads a pack folder; sections become typed-array views over one buffer (no per-fingerprint objects). */
export function readPack(dir: string, params: { k: number; w: number }): LoadedPack {
  const manifest = readManifest(dir);
  checkCompatible(dir, manifest, params);
  let buf: Buffer;
  const plain = path.join(dir, 'pack.bin');
  try {
    buf = fs.existsSync(plain) ? fs.readFileSync(plain) : zlib.gunzipSync(fs.readFileSync(path.join(dir, 'pack.bin.gz')));
  } catch (e) {
    throw new PackError(`${dir}: cannot read pack.bin or pack.bin.gz (${(e as Error).message})`);
  }
  const s = manifest.sections;
  const arrays: PackArrays = {
    fpHi: (view(buf, s.fpHi, 'fpHi', dir) as Uint32Array | undefined) ?? new Uint32Array(0),
    fpLo: (view(buf, s.fpLo, 'fpLo', dir) as Uint32Array | undefined) ?? new Uint32Array(0),
    fpFile: (view(buf, s.fpFile, 'fpFile', dir) as Uint32Array | undefined) ?? new Uint32Array(0),
    fpPos: (view(buf, s.fpPos, 'fpPos', dir) as Uint32Array | undefined) ?? new Uint32Array(0),
    kinds: view(buf, s.kinds, 'kinds', dir) as Uint8Array | undefined,
    raw8: view(buf, s.raw8, 'raw8', dir) as Uint8Array | undefined,
    lineNo: view(buf, s.lineNo, 'lineNo', dir) as Uint32Array | undefined,
    lineTok: view(buf, s.lineTok, 'lineTok', dir) as Uint32Array | undefined,
  };
  const n = arrays.fpHi.length;
  if (arrays.fpLo.length !== n || arrays.fpFile.length !== n || arrays.fpPos.length !== n) {
    throw new PackError(`${dir}: fingerprint sections have different lengths (corrupt pack)`);
  }
  for (let i = 0; i < n; i++) {
    if (arrays.fpFile[i] >= manifest.files.length) throw new PackError(`${dir}: fingerprint ${i} points to file ${arrays.fpFile[i]} of ${manifest.files.length} (corrupt pack)`);
  }
  return { dir, manifest, arrays };
}

/** Pack folders under a signatures directory (any depth up to 3): folders that hold a pack.json. */
export function findPackDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isFile() && e.name === 'pack.json')) {
      out.push(dir);
      return;
    }
    if (depth >= 3) return;
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name), depth + 1);
  };
  walk(root, 0);
  return out.sort();
}
