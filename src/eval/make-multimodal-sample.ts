// The multimodal sample: a model written from scratch whose checkpoint carries a stand-in vision encoder's
// pretrained weights, and whose tokenizer extends a stand-in tokenizer. Everything is synthetic and generated here
// from seeded PRNGs: the stand-in "upstream" weights and vocabulary are our own data, like tinyformer's code.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runBuildTokenizer } from '../tokenizers/index';
import { runBuildWeights } from '../weights/index';

type Tensor = { shape: number[]; data: Float32Array };

/** xorshift32 + Box-Muller: reproducible normal samples. */
function normal(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const u = (): number => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function randomTensor(shape: number[], seed: number, std: number, mean = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = normal(seed);
  return { shape, data: Float32Array.from({ length: n }, () => mean + std * g()) };
}

/** bf16 bits of a float32 (round to nearest even). */
function bf16(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** A safetensors file: 8-byte little-endian header length, JSON header, then the tensors' bytes (bf16). */
export function safetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const b = Buffer.alloc(t.data.length * 2);
    t.data.forEach((x, i) => b.writeUInt16LE(bf16(x), i * 2));
    header[name] = { dtype: 'BF16', shape: t.shape, data_offsets: [offset, offset + b.length] };
    chunks.push(b);
    offset += b.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json), ...chunks]);
}

function visionEncoder(): Record<string, Tensor> {
  const t: Record<string, Tensor> = { 'visual.patch_embed.proj.weight': randomTensor([64, 48], 101, 0.02) };
  for (let l = 0; l < 2; l++) {
    t[`visual.blocks.${l}.norm1.weight`] = randomTensor([64], 200 + l, 0.05, 1);
    t[`visual.blocks.${l}.attn.qkv.weight`] = randomTensor([192, 64], 300 + l, 0.02);
    t[`visual.blocks.${l}.attn.proj.weight`] = randomTensor([64, 64], 400 + l, 0.02);
    t[`visual.blocks.${l}.mlp.fc1.weight`] = randomTensor([128, 64], 500 + l, 0.02);
    t[`visual.blocks.${l}.mlp.fc2.weight`] = randomTensor([64, 128], 600 + l, 0.02);
  }
  return t;
}

function languageModel(): Record<string, Tensor> {
  const t: Record<string, Tensor> = { 'model.embed_tokens.weight': randomTensor([512, 96], 7001, 0.02) };
  for (let l = 0; l < 3; l++) {
    t[`model.layers.${l}.input_layernorm.weight`] = randomTensor([96], 7100 + l, 0.05, 1);
    t[`model.layers.${l}.self_attn.q_proj.weight`] = randomTensor([96, 96], 7200 + l, 0.02);
    t[`model.layers.${l}.self_attn.k_proj.weight`] = randomTensor([96, 96], 7300 + l, 0.02);
    t[`model.layers.${l}.self_attn.v_proj.weight`] = randomTensor([96, 96], 7400 + l, 0.02);
    t[`model.layers.${l}.self_attn.o_proj.weight`] = randomTensor([96, 96], 7500 + l, 0.02);
    t[`model.layers.${l}.mlp.up_proj.weight`] = randomTensor([256, 96], 7600 + l, 0.02);
    t[`model.layers.${l}.mlp.down_proj.weight`] = randomTensor([96, 256], 7700 + l, 0.02);
  }
  t['multi_modal_projector.linear.weight'] = randomTensor([96, 64], 7900, 0.02);
  return t;
}

/** A byte-level BPE vocabulary of pseudo-words: 256 single bytes, then `n` longer tokens. */
function vocabulary(n: number, seed: number): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const g = normal(seed);
  const tokens = Array.from({ length: 256 }, (_, i) => `<${i.toString(16).padStart(2, '0')}>`);
  // Byte tokens in the GPT-2 alphabet for printable ASCII; others as their code point shifted above 255.
  for (let i = 0; i < 256; i++) tokens[i] = i >= 33 && i <= 126 ? String.fromCharCode(i) : String.fromCharCode(256 + i);
  const seen = new Set(tokens);
  while (tokens.length < 256 + n) {
    const len = 2 + Math.floor(Math.abs(g()) * 3);
    let w = Math.abs(g()) > 0.8 ? '\u0120' : '';
    for (let i = 0; i < len; i++) w += letters[Math.floor(Math.abs(g() * 7919)) % 26];
    if (!seen.has(w)) {
      seen.add(w);
      tokens.push(w);
    }
  }
  return tokens;
}

function tokenizerJson(tokens: string[]): string {
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => (vocab[t] = i));
  const merges = tokens.slice(256).filter((t) => t.length >= 2).map((t) => `${t.slice(0, 1)} ${t.slice(1)}`);
  return JSON.stringify({
    version: '1.0',
    added_tokens: [],
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false },
    decoder: { type: 'ByteLevel' },
    model: { type: 'BPE', vocab, merges },
  });
}

/** Writes samples/bidder-multimodal's checkpoint and tokenizer and the stand-in references' signatures. */
export async function makeMultimodalSample(samples: string, scratchCode: string): Promise<void> {
  const dir = path.join(samples, 'bidder-multimodal');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(scratchCode, dir, { recursive: true });
  const refs = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-standin-'));
  try {
    // The stand-in vision encoder, as its publisher would ship it; only its signature is kept.
    const vision = visionEncoder();
    fs.mkdirSync(path.join(refs, 'tinyvision'));
    fs.writeFileSync(path.join(refs, 'tinyvision', 'model.safetensors'), safetensors(vision, { format: 'pt' }));
    fs.writeFileSync(path.join(refs, 'tinyvision', 'config.json'), JSON.stringify({ model_type: 'tinyvision', hidden_size: 64, depth: 2 }));
    await runBuildWeights(path.join(refs, 'tinyvision'), { name: 'tinyvision', revision: '1.0', out: path.join(samples, 'packs', 'weights'), licence: 'LicenseRef-qwen-research' });

    // The stand-in tokenizer (part of the stand-in upstream) and its signature.
    const base = vocabulary(3000, 4242);
    const upstreamTok = path.join(samples, 'upstream', 'tinyformer', 'tokenizer.json');
    fs.writeFileSync(upstreamTok, tokenizerJson(base));
    runBuildTokenizer(upstreamTok, { name: 'tinybpe', version: '1.0', out: path.join(samples, 'packs', 'tokenizers'), licence: 'MIT' });

    // The bidder: its own language model, the stand-in's vision encoder copied in, and the stand-in's vocabulary
    // extended with 400 tokens of its own.
    const ckpt = path.join(dir, 'checkpoints');
    fs.mkdirSync(ckpt, { recursive: true });
    fs.writeFileSync(path.join(ckpt, 'model.safetensors'), safetensors({ ...languageModel(), ...vision }, { format: 'pt' }));
    fs.writeFileSync(
      path.join(ckpt, 'config.json'),
      JSON.stringify({ model_type: 'hanmodel_vl', architectures: ['HanModelForConditionalGeneration'], hidden_size: 96, num_hidden_layers: 3, vocab_size: 512, vision_config: { model_type: 'tinyvision', hidden_size: 64, depth: 2 } }, null, 2),
    );
    const extended = [...base, ...vocabulary(400, 9999).slice(256).filter((t) => !base.includes(t))];
    fs.writeFileSync(path.join(ckpt, 'tokenizer.json'), tokenizerJson(extended));
    fs.writeFileSync(
      path.join(dir, 'README.md'),
      '# bidder-multimodal (sample)\n\nThe from-scratch hanmodel code, with a checkpoint whose `visual.*` tensors are the stand-in vision encoder ' +
        "`tinyvision`'s pretrained weights (a small share of the parameters), and a tokenizer that extends the stand-in tokenizer `tinybpe`. " +
        'The code ratio is 100%, the weights gate fails: the Naver case in miniature. All data is synthetic (src/eval/make-multimodal-sample.ts).\n',
    );
  } finally {
    fs.rmSync(refs, { recursive: true, force: true });
  }
}
