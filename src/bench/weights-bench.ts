// Weights bench: a >= 2 GB multi-shard bf16 safetensors checkpoint written (streaming) to os.tmpdir(), then
//   1. signature build (full read: file + tensor hashes, samples, sketches),
//   2. detectWeights with full hashing against that signature,
//   3. detectWeights in the default sampled mode against that signature,
//   4. `cat shards > /dev/null` for comparison.
// Each measured run is a separate child process so that peak RSS (maxRSS) belongs to that run alone.
// Run: npx tsc -p tsconfig.build.json && node -e "require('./dist/bench/weights-bench.js').benchWeights().then(l=>console.log(l.join('\n')))"
import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileRecord } from '../evidence';
import { detectWeights, loadWeightSignatures, runBuildWeights } from '../weights/index';
import { ioStats, resetIoStats } from '../weights/io';

const HIDDEN = 4096;
const FFN = 11008;
const VOCAB = 32000;

interface Spec {
  name: string;
  shape: number[];
}

function specs(layers: number): Spec[] {
  const out: Spec[] = [{ name: 'model.embed_tokens.weight', shape: [VOCAB, HIDDEN] }];
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}.`;
    for (const n of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) out.push({ name: `${p}self_attn.${n}.weight`, shape: [HIDDEN, HIDDEN] });
    out.push({ name: `${p}mlp.gate_proj.weight`, shape: [FFN, HIDDEN] });
    out.push({ name: `${p}mlp.up_proj.weight`, shape: [FFN, HIDDEN] });
    out.push({ name: `${p}mlp.down_proj.weight`, shape: [HIDDEN, FFN] });
    out.push({ name: `${p}input_layernorm.weight`, shape: [HIDDEN] });
    out.push({ name: `${p}post_attention_layernorm.weight`, shape: [HIDDEN] });
  }
  out.push({ name: 'model.norm.weight', shape: [HIDDEN] });
  out.push({ name: 'lm_head.weight', shape: [VOCAB, HIDDEN] });
  return out;
}

/** A pool of bf16 values ~ N(0, 0.02) (norms ~ 1 + N(0, 0.1)), reused at rotating offsets: fast and non-constant. */
function valuePool(bytes: number, mean: number, sd: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(bytes);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  for (let i = 0; i < bytes / 2; i++) {
    // Irwin-Hall(4) approximation of a normal: cheap and good enough for a bench
    f[0] = mean + sd * (rnd() + rnd() + rnd() + rnd() - 2) * Math.sqrt(3);
    b.writeUInt16LE(u[0] >>> 16, 2 * i);
  }
  return b;
}

/** Writes shards of about `shardBytes`, streaming in chunks; returns the shard paths. */
export function writeCheckpoint(dir: string, layers: number, shardBytes: number): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const all = specs(layers);
  const shards: Spec[][] = [[]];
  let acc = 0;
  for (const s of all) {
    const b = s.shape.reduce((a, x) => a * x, 1) * 2;
    if (acc + b > shardBytes && shards[shards.length - 1].length) {
      shards.push([]);
      acc = 0;
    }
    shards[shards.length - 1].push(s);
    acc += b;
  }
  const weights = valuePool(64 << 20, 0, 0.02, 7);
  const norms = valuePool(1 << 16, 1, 0.1, 11);
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  let rot = 0;
  shards.forEach((list, i) => {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    const header: Record<string, unknown> = {};
    let off = 0;
    for (const s of list) {
      const b = s.shape.reduce((a, x) => a * x, 1) * 2;
      header[s.name] = { dtype: 'BF16', shape: s.shape, data_offsets: [off, off + b] };
      weightMap[s.name] = name;
      off += b;
    }
    let h = JSON.stringify(header);
    while ((8 + h.length) % 8) h += ' ';
    const file = path.join(dir, name);
    const fd = fs.openSync(file, 'w');
    try {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(h.length));
      fs.writeSync(fd, len);
      fs.writeSync(fd, h);
      for (const s of list) {
        let left = s.shape.reduce((a, x) => a * x, 1) * 2;
        const src = s.shape.length === 1 ? norms : weights;
        while (left > 0) {
          const start = (rot = (rot + 4096 * 2 + 2) % (src.length / 2)) & ~1;
          const n = Math.min(left, src.length - start, 8 << 20);
          fs.writeSync(fd, src, start, n);
          left -= n;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    files.push(file);
  });
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', hidden_size: HIDDEN, intermediate_size: FFN, num_hidden_layers: layers, vocab_size: VOCAB }));
  return files;
}

function records(dir: string): FileRecord[] {
  return fs.readdirSync(dir).map((n) => ({
    path: n,
    kind: n.endsWith('.safetensors') ? 'weights' : n === 'config.json' ? 'config' : 'other',
    bytes: fs.statSync(path.join(dir, n)).size,
  }));
}

function procIo(): { rchar: number; readBytes: number } {
  try {
    const t = fs.readFileSync('/proc/self/io', 'utf8');
    return { rchar: Number(/rchar: (\d+)/.exec(t)?.[1] ?? 0), readBytes: Number(/read_bytes: (\d+)/.exec(t)?.[1] ?? 0) };
  } catch {
    return { rchar: 0, readBytes: 0 };
  }
}

export interface ModeResult {
  mode: string;
  ms: number;
  bytesRead: number;
  rchar: number;
  maxRssMb: number;
  gate?: string;
  detail?: string;
}

/** One measured run, meant to execute in its own process. */
export async function runMode(mode: 'signature' | 'full' | 'sampled', dir: string, sigDir: string): Promise<ModeResult> {
  resetIoStats();
  const io0 = procIo();
  const t0 = process.hrtime.bigint();
  let gate: string | undefined;
  let detail: string | undefined;
  if (mode === 'signature') {
    const f = await runBuildWeights(dir, { name: 'bench/base', revision: 'r1', out: sigDir });
    detail = `${(fs.statSync(f).size / 1024).toFixed(0)} KB signature`;
  } else {
    const refs = loadWeightSignatures(sigDir);
    const r = await detectWeights(dir, records(dir), refs, { hash: mode });
    gate = r.gate.status;
    detail = r.findings.filter((x) => x.kind === 'weights').map((x) => `${x.strength}/${x.method}`).join(', ');
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const io1 = procIo();
  return { mode, ms, bytesRead: ioStats.bytesRead, rchar: io1.rchar - io0.rchar, maxRssMb: process.resourceUsage().maxRSS / 1024, gate, detail };
}

export async function benchWeights(): Promise<string[]> {
  const gb = Number(process.env.SA_BENCH_GB ?? '2.2');
  const layers = Math.max(1, Math.ceil((gb * 1e9 - 2 * VOCAB * HIDDEN * 2) / ((4 * HIDDEN * HIDDEN + 3 * FFN * HIDDEN) * 2)));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-weights-bench-'));
  const dir = path.join(root, 'model');
  const sigDir = path.join(root, 'sigs');
  const lines: string[] = [];
  try {
    let t = Date.now();
    const files = writeCheckpoint(dir, layers, 1 << 30);
    const total = files.reduce((s, f) => s + fs.statSync(f).size, 0);
    const gbs = (b: number, ms: number) => `${(b / 1e9 / (ms / 1000)).toFixed(2)} GB/s`;
    lines.push(`weights bench: ${files.length} shards, ${(total / 1e9).toFixed(2)} GB bf16 (${layers} layers of 4096/11008 + 32000-token embeddings), written in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    execSync(`cat ${files.map((f) => JSON.stringify(f)).join(' ')} > /dev/null`);
    const catMs = Date.now() - t;
    lines.push(`cat shards > /dev/null: ${(catMs / 1000).toFixed(2)} s (${gbs(total, catMs)}; page cache: the files were just written)`);
    for (const mode of ['signature', 'full', 'sampled'] as const) {
      const script = `require(${JSON.stringify(__filename)}).runMode(${JSON.stringify(mode)}, ${JSON.stringify(dir)}, ${JSON.stringify(sigDir)}).then(r => process.stdout.write(JSON.stringify(r)))`;
      const r = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 1 << 24 })) as ModeResult;
      const label = mode === 'signature' ? 'signature build (full read)' : mode === 'full' ? 'detect, full hashing' : 'detect, default sampled mode';
      lines.push(
        `${label}: ${(r.ms / 1000).toFixed(2)} s, bytes read ${r.bytesRead.toLocaleString('en-US')} (${((100 * r.bytesRead) / total).toFixed(4)}% of ${total.toLocaleString('en-US')}; rchar ${r.rchar.toLocaleString('en-US')}), ` +
          `${mode === 'sampled' ? '' : `${gbs(total, r.ms)}, `}peak RSS ${r.maxRssMb.toFixed(0)} MB${r.gate ? `, gate ${r.gate}` : ''}${r.detail ? ` [${r.detail}]` : ''}`,
      );
      if (mode === 'sampled') {
        lines.push(`targets: sampled reads < 1% of bytes: ${r.bytesRead < total / 100 ? 'met' : 'MISSED'}; sampled peak RSS < 300 MB: ${r.maxRssMb < 300 ? 'met' : 'MISSED'}`);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return lines;
}
