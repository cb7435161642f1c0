// config.json normalization and architecture lineage. Everything here is informational: equal hyper-parameters are
// common between independent models. It is used to explain findings and to pick which references to compare.
import { createHash } from 'node:crypto';

export type Scalar = string | number | boolean | null;

export interface NormalizedConfig {
  /** Repository path of the config.json it was read from, when read from a repository. */
  rel?: string;
  modelType?: string;
  architectures: string[];
  /** Remote-code class names from auto_map (values, e.g. "modeling_x.XForCausalLM"). */
  autoMap: string[];
  keys: Record<string, Scalar>;
  /** Sub-configs (vision_config, text_config, audio_config, ...), normalized the same way. */
  sub: Record<string, { modelType?: string; keys: Record<string, Scalar> }>;
}

/** Canonical key -> aliases used by different model families. */
const KEYS: Record<string, string[]> = {
  hidden_size: ['hidden_size', 'd_model', 'n_embd', 'dim', 'embed_dim', 'width'],
  intermediate_size: ['intermediate_size', 'ffn_dim', 'n_inner', 'd_ff', 'mlp_dim', 'intermediate_dim'],
  moe_intermediate_size: ['moe_intermediate_size', 'expert_intermediate_size'],
  num_hidden_layers: ['num_hidden_layers', 'n_layer', 'num_layers', 'n_layers', 'depth'],
  num_attention_heads: ['num_attention_heads', 'n_head', 'num_heads', 'n_heads'],
  num_key_value_heads: ['num_key_value_heads', 'n_kv_heads', 'num_kv_heads', 'multi_query_group_num'],
  head_dim: ['head_dim', 'kv_channels'],
  q_lora_rank: ['q_lora_rank'],
  kv_lora_rank: ['kv_lora_rank'],
  n_routed_experts: ['n_routed_experts', 'num_experts', 'num_local_experts', 'moe_num_experts'],
  num_experts_per_tok: ['num_experts_per_tok', 'moe_top_k', 'num_experts_per_token', 'top_k'],
  n_shared_experts: ['n_shared_experts', 'num_shared_experts', 'shared_expert_count'],
  first_k_dense_replace: ['first_k_dense_replace'],
  scoring_func: ['scoring_func'],
  rope_theta: ['rope_theta', 'rotary_emb_base'],
  rope_scaling_type: [],
  partial_rotary_factor: ['partial_rotary_factor', 'rotary_pct'],
  rms_norm_eps: ['rms_norm_eps', 'layer_norm_epsilon', 'layer_norm_eps', 'norm_eps'],
  max_position_embeddings: ['max_position_embeddings', 'n_positions', 'seq_length', 'max_seq_len'],
  vocab_size: ['vocab_size', 'padded_vocab_size'],
  tie_word_embeddings: ['tie_word_embeddings'],
  bos_token_id: ['bos_token_id'],
  eos_token_id: ['eos_token_id'],
  pad_token_id: ['pad_token_id'],
  torch_dtype: ['torch_dtype', 'dtype'],
  transformers_version: ['transformers_version'],
  num_nextn_predict_layers: ['num_nextn_predict_layers'],
  patch_size: ['patch_size', 'spatial_patch_size'],
  image_size: ['image_size'],
  num_mel_bins: ['num_mel_bins'],
};

/** Keys that are version or run bookkeeping, not architecture: never counted as lineage. */
const BOOKKEEPING = new Set(['transformers_version', 'torch_dtype']);

function scalar(v: unknown): Scalar | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v.join(',');
  return undefined;
}

function normalizeKeys(j: Record<string, unknown>): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [canon, aliases] of Object.entries(KEYS)) {
    for (const a of aliases) {
      const v = scalar(j[a]);
      if (v !== undefined) {
        out[canon] = v;
        break;
      }
    }
  }
  const rs = j.rope_scaling as Record<string, unknown> | undefined;
  if (rs && typeof rs === 'object') {
    const t = rs.type ?? rs.rope_type;
    if (typeof t === 'string') out.rope_scaling_type = t;
  }
  return out;
}

export function normalizeConfig(j: unknown): NormalizedConfig {
  const o = (j && typeof j === 'object' ? j : {}) as Record<string, unknown>;
  const autoMap: string[] = [];
  if (o.auto_map && typeof o.auto_map === 'object') {
    for (const v of Object.values(o.auto_map as Record<string, unknown>)) {
      for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string') autoMap.push(s.replace(/^.*--/, ''));
    }
  }
  const sub: NormalizedConfig['sub'] = {};
  for (const [k, v] of Object.entries(o)) {
    if (/_config$/.test(k) && v && typeof v === 'object' && !Array.isArray(v)) {
      const vo = v as Record<string, unknown>;
      sub[k] = { modelType: typeof vo.model_type === 'string' ? vo.model_type : undefined, keys: normalizeKeys(vo) };
    }
  }
  return {
    modelType: typeof o.model_type === 'string' ? o.model_type : undefined,
    architectures: Array.isArray(o.architectures) ? o.architectures.filter((x): x is string => typeof x === 'string') : [],
    autoMap: [...new Set(autoMap)].sort(),
    keys: normalizeKeys(o),
    sub,
  };
}

/** Naming scheme: templates (digits -> N) per component, with a digest each. */
export interface NameScheme {
  digest: string;
  byComponent: Record<string, { digest: string; templates: number }>;
}

export function nameScheme(templatesByComponent: Map<string, Set<string>>): NameScheme {
  const byComponent: NameScheme['byComponent'] = {};
  const all: string[] = [];
  for (const [c, set] of [...templatesByComponent].sort()) {
    const list = [...set].sort();
    all.push(...list);
    byComponent[c] = { digest: createHash('sha256').update(list.join('\n')).digest('hex').slice(0, 16), templates: list.length };
  }
  return { digest: createHash('sha256').update(all.sort().join('\n')).digest('hex').slice(0, 16), byComponent };
}

export interface Lineage {
  sameModelType: boolean;
  sharedArchitectures: string[];
  sharedRemoteCode: string[];
  equalKeys: string[];
  differentKeys: string[];
  /** Equal values unlikely by accident (non-round vocab sizes, token ids). */
  oddEqual: string[];
  sameSchemeComponents: string[];
  /** 0..1, for ordering references; never decides a level. */
  score: number;
}

/** Vocabulary sizes shared by many unrelated models (so equality says little). */
const COMMON_VOCAB = new Set([30522, 32000, 32768, 50257, 50304, 50400, 51200, 64000, 65024, 65536, 100352, 128000, 128256, 131072, 250880, 256000]);

function isOdd(key: string, v: Scalar): boolean {
  if (typeof v !== 'number') return false;
  if (/token_id$/.test(key)) return v > 2;
  if (key === 'vocab_size') return !COMMON_VOCAB.has(v);
  return false;
}

export function compareLineage(
  a: NormalizedConfig | null, b: NormalizedConfig | null, sa: NameScheme | null, sb: NameScheme | null,
): Lineage {
  const l: Lineage = {
    sameModelType: !!a?.modelType && a?.modelType === b?.modelType,
    sharedArchitectures: a && b ? a.architectures.filter((x) => b.architectures.includes(x)) : [],
    sharedRemoteCode: a && b ? a.autoMap.filter((x) => b.autoMap.includes(x)) : [],
    equalKeys: [], differentKeys: [], oddEqual: [], sameSchemeComponents: [], score: 0,
  };
  const cmp = (ka: Record<string, Scalar>, kb: Record<string, Scalar>, prefix: string) => {
    for (const k of Object.keys(ka)) {
      if (!(k in kb) || BOOKKEEPING.has(k)) continue;
      const name = prefix + k;
      if (ka[k] === kb[k]) {
        l.equalKeys.push(name);
        if (isOdd(k, ka[k])) l.oddEqual.push(`${name}=${ka[k]}`);
      } else l.differentKeys.push(name);
    }
  };
  if (a && b) {
    cmp(a.keys, b.keys, '');
    for (const [s, v] of Object.entries(a.sub)) if (b.sub[s]) cmp(v.keys, b.sub[s].keys, `${s}.`);
  }
  if (sa && sb) {
    for (const [c, v] of Object.entries(sa.byComponent)) if (sb.byComponent[c]?.digest === v.digest) l.sameSchemeComponents.push(c);
  }
  const n = l.equalKeys.length + l.differentKeys.length;
  l.score =
    0.4 * (n ? l.equalKeys.length / n : 0) + 0.2 * (l.oddEqual.length ? 1 : 0) + 0.2 * (l.sharedRemoteCode.length ? 1 : 0) +
    0.2 * (l.sameSchemeComponents.length ? 1 : 0);
  return l;
}
