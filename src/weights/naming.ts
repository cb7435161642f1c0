// Tensor names -> component, layer and role, so tensors can be paired across naming schemes (HF, GGUF, GPT-2,
// Qwen-VL visual towers) and parameter shares reported per component.

export type Component = 'language-backbone' | 'vision' | 'audio' | 'projector' | 'embeddings';
export const COMPONENTS: readonly Component[] = ['language-backbone', 'vision', 'audio', 'projector', 'embeddings'];

export interface NameInfo {
  component: Component;
  layer?: number;
  expert?: number;
  role: string;
  /** Pairing key: component, layer, role and suffix (weight/bias); equal keys are compared first. */
  key: string;
  /** Name with digits replaced by N: the naming scheme. */
  template: string;
}

const PROJECTOR = /(^|[._])(merger|mm_projector|multi_modal_projector|projector|connector|aligner|mm_proj)([._]|$)/;
const VISION = /(^|[._])(visual|vision_tower|vision_model|vision_encoder|vision|vit|image_encoder|img_encoder|siglip|clip_vision)([._]|$)/;
const AUDIO = /(^|[._])(audio|audio_tower|audio_encoder|whisper|speech_encoder|speech)([._]|$)/;
const EMBED = /(^|[._])(embed_tokens|wte|word_embeddings|tok_embeddings|token_embd|embed_in|shared)\.weight$/;
const LM_HEAD = /(^|[._])(lm_head|embed_out|output)\.weight$/;

export function classifyName(name: string): NameInfo {
  const n = name.toLowerCase();
  const template = name.replace(/\d+/g, 'N');
  let component: Component;
  if (PROJECTOR.test(n)) component = 'projector';
  else if (VISION.test(n)) component = 'vision';
  else if (AUDIO.test(n)) component = 'audio';
  else if (EMBED.test(n) || (LM_HEAD.test(n) && !/\d/.test(n))) component = 'embeddings';
  else component = 'language-backbone';
  const lm = /(?:^|\.)(?:layers|layer|blocks|block|h|blk|resblocks)\.(\d+)\./.exec(n);
  const layer = lm ? Number(lm[1]) : undefined;
  const em = /experts\.(\d+)\./.exec(n);
  const expert = em ? Number(em[1]) : undefined;
  const suffix = n.endsWith('.bias') ? 'bias' : 'weight';
  const role = roleOf(n, component, layer);
  const key = `${component}:${layer ?? '-'}:${expert ?? '-'}:${role}:${suffix}`;
  return { component, layer, expert, role, key, template };
}

function roleOf(n: string, component: Component, layer: number | undefined): string {
  if (component === 'embeddings') return LM_HEAD.test(n) ? 'lm_head' : 'embed';
  const attn = /(attn|attention)/.test(n);
  const mlp = /(mlp|ffn|feed_forward|experts)/.test(n);
  if (/(norm|ln_|layernorm|\.ln\d|_ln\.|ln_f)/.test(n)) {
    if (layer === undefined) return 'norm_final';
    if (/(input_layernorm|attn_norm|ln_1|norm1|pre_attention|ln_attn)/.test(n)) return 'norm_attn';
    if (/(post_attention_layernorm|ffn_norm|ln_2|norm2|pre_feedforward)/.test(n)) return 'norm_mlp';
    if (/(q_norm|q_layernorm|attn_q_norm)/.test(n)) return 'norm_q';
    if (/(k_norm|k_layernorm|attn_k_norm)/.test(n)) return 'norm_k';
    return 'norm';
  }
  if (/(gate_up_proj)/.test(n)) return 'mlp_gate_up';
  if (/(qkv|c_attn|query_key_value)/.test(n)) return 'attn_qkv';
  if (/(q_proj|\.query\.|attn_q\.|\.wq\.)/.test(n)) return 'attn_q';
  if (/(k_proj|\.key\.|attn_k\.|\.wk\.)/.test(n)) return 'attn_k';
  if (/(v_proj|\.value\.|attn_v\.|\.wv\.)/.test(n)) return 'attn_v';
  if (/(o_proj|out_proj|attn_output|\.wo\.)/.test(n) && !mlp) return 'attn_o';
  if (attn && /(c_proj|\.proj\.|dense\.)/.test(n)) return 'attn_o';
  if (/(gate_proj|ffn_gate|\.w1\.|wi_0)/.test(n)) return 'mlp_gate';
  if (/(up_proj|ffn_up|\.w3\.|c_fc|fc1|wi_1|dense_h_to_4h)/.test(n)) return 'mlp_up';
  if (/(down_proj|ffn_down|\.w2\.|fc2|dense_4h_to_h)/.test(n) || (mlp && /(c_proj|\.wo\.)/.test(n))) return 'mlp_down';
  if (/router|\.gate\.weight$|gate_inp/.test(n)) return 'router';
  if (/(patch_embed|conv1|patch_embedding)/.test(n)) return 'patch_embed';
  if (/(position_embedding|pos_embed|wpe)/.test(n)) return 'pos_embed';
  return 'other:' + n.replace(/\d+/g, 'N').split('.').slice(-3).join('.');
}
