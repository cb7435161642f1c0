// Hub references: code that loads external pretrained weights (or tokenizers, configs) by model id.
import type { Tree } from 'tree-sitter';
import { parsePython } from '../code/parser';
import type { Finding, Strength } from '../evidence';
import { extractImports, type ImportUse } from './imports';
import { callArguments, dottedName, lineOf, stableId, stringValue, type SyntaxNode } from './py-util';

export type HubLoad = 'weights' | 'tokenizer' | 'config' | 'architecture';

export interface HubReference {
  file: string;
  line: number;
  /** Canonical dotted call (aliases expanded through the file's imports), e.g. 'transformers.AutoModel.from_pretrained'. */
  call: string;
  /** Model id, URL or path; undefined when the argument is not a literal we could follow. */
  target?: string;
  loads: HubLoad;
  loadsWeights: boolean;
  local: boolean;
  /** The name the literal came through (`MODEL_ID`, `args.model_name_or_path`, `CONFIG["model"]`). */
  viaConstant?: string;
  /** `revision=` literal (a hub branch, tag or commit). */
  revision?: string;
}

interface Constant {
  value: string;
  line: number;
}

/** Literal string values a name may hold in this file: assignments, default arguments, dataclass field defaults,
 * argparse defaults, dict literal entries. Scopes are ignored on purpose: cheap, and a reviewer sees the name. */
function collectConstants(root: SyntaxNode): Map<string, Constant[]> {
  const out = new Map<string, Constant[]>();
  const add = (name: string, node: SyntaxNode | null | undefined): void => {
    const value = stringValue(node);
    if (value === undefined || !node) return;
    const list = out.get(name) ?? [];
    if (!list.some((c) => c.value === value)) list.push({ value, line: lineOf(node) });
    out.set(name, list);
  };
  const addDict = (prefix: string, dict: SyntaxNode): void => {
    for (const pair of dict.namedChildren) {
      if (pair.type !== 'pair') continue;
      const key = stringValue(pair.childForFieldName('key'));
      if (key !== undefined) add(`${prefix}[${JSON.stringify(key)}]`, pair.childForFieldName('value'));
    }
  };
  for (const n of root.descendantsOfType(['assignment', 'default_parameter', 'typed_default_parameter', 'call'])) {
    if (n.type === 'assignment') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      const name = left?.type === 'identifier' ? left.text : left?.type === 'attribute' ? dottedName(left) : undefined;
      if (!name || !right) continue;
      if (right.type === 'dictionary') addDict(name, right);
      else if (right.type === 'call') {
        // dataclass `name: str = field(default="org/model")`
        const fn = dottedName(right.childForFieldName('function'));
        if (fn === 'field' || fn === 'dataclasses.field') add(name, callArguments(right).keywords.get('default'));
        else if (fn === 'dict') for (const [k, v] of callArguments(right).keywords) add(`${name}[${JSON.stringify(k)}]`, v);
      } else add(name, right);
    } else if (n.type === 'call') {
      // argparse: add_argument('--model-name', default='gpt2') makes args.model_name
      const fn = dottedName(n.childForFieldName('function'));
      if (!fn?.endsWith('add_argument')) continue;
      const { positional, keywords } = callArguments(n);
      const dest = stringValue(keywords.get('dest')) ?? positional.map((p) => stringValue(p)).find((s) => s?.startsWith('--'));
      if (dest) add(dest.replace(/^-+/, '').replace(/-/g, '_'), keywords.get('default'));
    } else {
      const name = n.childForFieldName('name');
      if (name) add(name.text, n.childForFieldName('value'));
    }
  }
  return out;
}

/** The literal(s) an argument stands for, with the name they came through. */
function literalTargets(arg: SyntaxNode | undefined, constants: Map<string, Constant[]>): { value: string; via?: string }[] {
  if (!arg) return [];
  const direct = stringValue(arg);
  if (direct !== undefined) return [{ value: direct }];
  let key: string | undefined;
  if (arg.type === 'identifier') key = arg.text;
  else if (arg.type === 'attribute') key = dottedName(arg);
  else if (arg.type === 'subscript') {
    const base = dottedName(arg.childForFieldName('value'));
    const sub = stringValue(arg.childForFieldName('subscript'));
    if (base && sub !== undefined) key = `${base}[${JSON.stringify(sub)}]`;
  } else if (arg.type === 'call' && dottedName(arg.childForFieldName('function'))?.endsWith('.get')) {
    // CONFIG.get("model")
    const fn = arg.childForFieldName('function')!;
    const base = dottedName(fn.childForFieldName('object'));
    const k = stringValue(callArguments(arg).positional[0]);
    if (base && k !== undefined) key = `${base}[${JSON.stringify(k)}]`;
  }
  if (!key) return [];
  let hits = constants.get(key);
  // `args.model_name` / `cfg.model` : fall back to the attribute's last name (argparse dest, dataclass field).
  if (!hits && arg.type === 'attribute') hits = constants.get(key.slice(key.lastIndexOf('.') + 1));
  return (hits ?? []).map((c) => ({ value: c.value, via: key }));
}

/** Whether a target is a local path rather than an external id. `dirs`: top-level repository folders. */
export function isLocalTarget(target: string, dirs?: Set<string>): boolean {
  const t = target.trim();
  if (/^(https?|hf|s3|gs):\/\//i.test(t)) return false;
  if (/^[./~\\]/.test(t) || /^[A-Za-z]:[\\/]/.test(t) || t.includes('\\')) return true;
  if (/\.(pt|pth|bin|ckpt|safetensors|gguf|onnx|h5|pkl|npz|json|model)$/i.test(t)) return true;
  const parts = t.split('/');
  if (parts.length > 2) return true; // hub ids are `org/name` or a bare canonical name
  if (dirs && parts.length === 2 && dirs.has(parts[0])) return true; // a folder of the repository
  return false;
}

/** os.path.join(...), Path(...) / "x", f"{root}/ckpt": built from the file system, hence local. */
function isPathExpression(n: SyntaxNode): boolean {
  if (n.type === 'call') {
    const fn = dottedName(n.childForFieldName('function')) ?? '';
    return /(^|\.)(join|abspath|realpath|expanduser|dirname|Path|PurePath|resolve|joinpath|getcwd)$/.test(fn);
  }
  if (n.type === 'binary_operator') {
    return n.children.some((c) => c.type === '/') && isPathExpression(n.childForFieldName('left')!);
  }
  if (n.type === 'string') {
    // f-string: local when it starts with a path-like literal or an interpolation followed by a slash
    return /^[rfRF]*['"](\.|\/|~|\{[^}]*\}\/)/.test(n.text);
  }
  return false;
}

const TOKENIZER_CLASS = /(Tokenizer|Processor|FeatureExtractor|ImageProcessor)(Fast)?$/;
const CONFIG_CLASS = /Config$|^GenerationConfig$/;
const WEIGHT_FILE = /\.(safetensors|bin|pt|pth|ckpt|gguf|h5|msgpack|onnx)$/i;

/** Canonical dotted name of a call, expanding the first segment through the file's import bindings. */
function canonical(fn: string, bindings: Map<string, string>): string {
  const dot = fn.indexOf('.');
  const head = dot < 0 ? fn : fn.slice(0, dot);
  const mapped = bindings.get(head);
  return mapped ? mapped + (dot < 0 ? '' : fn.slice(dot)) : fn;
}

function bindingMap(imports: ImportUse[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const i of imports) {
    if (!i.binding || i.level > 0) continue;
    if (i.kind === 'from' && i.name) m.set(i.binding, `${i.module}.${i.name}`);
    else if (i.bindingModule) m.set(i.binding, i.bindingModule);
  }
  return m;
}

interface Rule {
  /** Which argument holds the target; undefined when the call itself is the reference (pipeline default). */
  target: (call: SyntaxNode, a: ReturnType<typeof callArguments>) => SyntaxNode | undefined;
  loads: (name: string, call: SyntaxNode, a: ReturnType<typeof callArguments>) => HubLoad | undefined;
  /** Compose the reported target from more than one argument. */
  compose?: (value: string, a: ReturnType<typeof callArguments>) => string;
  /** Target to report when the call has no target argument at all (pipeline's task default, torchvision). */
  fallback?: (name: string, a: ReturnType<typeof callArguments>) => string | undefined;
}

const kw = (a: ReturnType<typeof callArguments>, ...names: string[]): SyntaxNode | undefined => {
  for (const n of names) if (a.keywords.has(n)) return a.keywords.get(n);
  return undefined;
};
const isFalse = (n: SyntaxNode | undefined): boolean => n?.type === 'false' || n?.type === 'none';
const isTrue = (n: SyntaxNode | undefined): boolean => n?.type === 'true';

/** Matches a canonical call name to the rule that reads it. */
function ruleFor(name: string): Rule | undefined {
  const last = name.slice(name.lastIndexOf('.') + 1);
  if (last === 'from_pretrained') {
    return {
      // PeftModel.from_pretrained(base_model, "org/adapter"): the id is the first string-like positional of two.
      target: (_c, a) =>
        kw(a, 'pretrained_model_name_or_path', 'model_id', 'pretrained_model_name') ??
        (a.positional.length > 1 && /Peft|Adapter/.test(name) ? a.positional[1] : a.positional[0]),
      loads: (n) => {
        const cls = n.split('.').slice(-2, -1)[0] ?? '';
        if (TOKENIZER_CLASS.test(cls)) return 'tokenizer';
        if (CONFIG_CLASS.test(cls)) return 'config';
        return 'weights';
      },
    };
  }
  if (last === 'from_config' || last === '_from_config') return { target: () => undefined, loads: () => 'architecture' };
  if (name === 'transformers.pipeline' || name === 'transformers.pipelines.pipeline') {
    return {
      target: (_c, a) => kw(a, 'model') ?? a.positional[1],
      loads: () => 'weights',
      fallback: (_n, a) => {
        if (kw(a, 'model') ?? a.positional[1]) return undefined; // a model argument we could not read
        const task = stringValue(a.positional[0] ?? kw(a, 'task'));
        return `transformers default model for task ${task ?? '?'}`;
      },
    };
  }
  if (last === 'snapshot_download' && /huggingface_hub|modelscope/.test(name)) {
    return { target: (_c, a) => kw(a, 'repo_id', 'model_id') ?? a.positional[0], loads: () => 'weights' };
  }
  if (last === 'hf_hub_download' && name.startsWith('huggingface_hub')) {
    return {
      target: (_c, a) => kw(a, 'repo_id') ?? a.positional[0],
      loads: (_n, _c, a) => {
        const file = stringValue(kw(a, 'filename') ?? a.positional[1]);
        if (file === undefined || WEIGHT_FILE.test(file)) return 'weights';
        return /token|vocab|merges|spiece|\.model$/i.test(file) ? 'tokenizer' : 'config';
      },
      compose: (v, a) => {
        const file = stringValue(kw(a, 'filename') ?? a.positional[1]);
        return file ? `${v}/${file}` : v;
      },
    };
  }
  if (name === 'torch.hub.load') {
    return {
      target: (_c, a) => kw(a, 'repo_or_dir') ?? a.positional[0],
      loads: (_n, _c, a) => (isFalse(kw(a, 'pretrained')) ? 'architecture' : 'weights'),
      compose: (v, a) => {
        const model = stringValue(kw(a, 'model') ?? a.positional[1]);
        return model ? `${v}:${model}` : v;
      },
    };
  }
  if (/(^|\.)(load_state_dict_from_url|load_url)$/.test(name) && /^torch|^torchvision|^load_state_dict_from_url$/.test(name)) {
    return { target: (_c, a) => kw(a, 'url') ?? a.positional[0], loads: () => 'weights' };
  }
  if (name === 'timm.create_model' || name === 'timm.models.create_model') {
    return {
      target: (_c, a) => kw(a, 'model_name') ?? a.positional[0],
      loads: (_n, _c, a) => {
        const p = kw(a, 'pretrained') ?? a.positional[1];
        if (isTrue(p)) return 'weights';
        return p && !isFalse(p) ? 'weights' : 'architecture';
      },
    };
  }
  if (name.startsWith('open_clip.') && /^create_model(_and_transforms|_from_pretrained)?$/.test(last)) {
    return {
      target: (_c, a) => kw(a, 'model_name') ?? a.positional[0],
      loads: (_n, _c, a) =>
        last === 'create_model_from_pretrained' || (kw(a, 'pretrained') && !isFalse(kw(a, 'pretrained'))) || a.positional[1]
          ? 'weights'
          : 'architecture',
      compose: (v, a) => {
        const tag = stringValue(kw(a, 'pretrained') ?? a.positional[1]);
        return tag ? `${v}:${tag}` : v;
      },
    };
  }
  if (/^sentence_transformers\.(SentenceTransformer|CrossEncoder)$/.test(name) || name === 'vllm.LLM') {
    return { target: (_c, a) => kw(a, 'model_name_or_path', 'model', 'model_name') ?? a.positional[0], loads: () => 'weights' };
  }
  if (name === 'clip.load' || name === 'whisper.load_model') {
    return { target: (_c, a) => kw(a, 'name') ?? a.positional[0], loads: () => 'weights' };
  }
  if (name.startsWith('torchvision.models.') && /^[a-z]/.test(last) && !name.includes('.utils')) {
    return {
      target: () => undefined,
      loads: (_n, _c, a) => {
        const w = kw(a, 'weights');
        if (isTrue(kw(a, 'pretrained')) || (w && !isFalse(w))) return 'weights';
        return undefined; // plain architecture constructor: not a hub reference
      },
      fallback: (n, a) => {
        const w = kw(a, 'weights');
        return `torchvision ${n.slice(n.lastIndexOf('.') + 1)}${w ? ` weights=${stringValue(w) ?? w.text}` : ' pretrained'}`;
      },
    };
  }
  return undefined;
}

const STRENGTH: Record<HubLoad, Strength> = { weights: 'strong', tokenizer: 'moderate', config: 'info', architecture: 'info' };

/** Last names of the calls the rules read, as written (`AM.from_pretrained` for an aliased class still ends so). */
const HUB_NAME_LIST = [
  'from_pretrained', '_from_pretrained', 'from_config', '_from_config', 'pipeline', 'snapshot_download', 'hf_hub_download',
  'load', 'load_state_dict_from_url', 'load_url', 'create_model', 'create_model_and_transforms',
  'create_model_from_pretrained', 'SentenceTransformer', 'CrossEncoder', 'LLM', 'load_model',
];
const HUB_NAMES = new RegExp(`^(${HUB_NAME_LIST.join('|')})$`);

/**
 * The call nodes worth reading: those whose called name is a hub name or an imported binding, found from the text
 * (`name(`) and confirmed in the tree, in document order. Visiting every call of a large file costs far more.
 */
function candidateCalls(source: string, root: SyntaxNode, bindings: Map<string, string>): SyntaxNode[] {
  const names = [...new Set([...HUB_NAME_LIST, ...[...bindings.keys()].filter((n) => /^[A-Za-z_]\w*$/.test(n))])];
  const re = new RegExp(`(?<![\\w])(?:${names.join('|')})\\s*\\(`, 'g');
  const calls = new Map<string, SyntaxNode>();
  for (const m of source.matchAll(re)) {
    const paren = root.descendantForIndex(m.index! + m[0].length - 1, m.index! + m[0].length);
    const call = paren.type === '(' ? paren.parent?.parent : undefined;
    if (call && call.type === 'call') calls.set(`${call.startIndex}:${call.endIndex}`, call);
  }
  return [...calls.values()].sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
}

/** Cheap text test: can this source contain a hub reference at all? */
export function mayReferenceHub(source: string): boolean {
  return /from_pretrained|from_config|pipeline|snapshot_download|hf_hub_download|hub\.load|load_url|load_state_dict_from_url|create_model|SentenceTransformer|CrossEncoder|LLM|clip|whisper|pretrained|torchvision/.test(source);
}

/** Hub references in one Python source. `repoDirs`: top-level folders of the repository, to tell `ckpt/x` paths. */
export function findHubReferences(
  source: string,
  file: string,
  imports?: ImportUse[],
  repoDirs?: Set<string>,
  parsed?: Tree,
): HubReference[] {
  if (!mayReferenceHub(source)) return [];
  const tree = parsed ?? parsePython(source);
  const bindings = bindingMap(imports ?? extractImports(source, file, tree));
  let constantsCache: Map<string, Constant[]> | undefined;
  const constants = (): Map<string, Constant[]> => (constantsCache ??= collectConstants(tree.rootNode));
  // Calls by any other name only matter when the file passes pretrained=True or uses torchvision.
  const anyCall = /\bpretrained\s*=\s*True\b/.test(source) || source.includes('torchvision');
  const out: HubReference[] = [];
  const calls = anyCall ? tree.rootNode.descendantsOfType('call') : candidateCalls(source, tree.rootNode, bindings);
  for (const call of calls) {
    const fnNode = call.childForFieldName('function');
    if (!fnNode) continue;
    if (!anyCall) {
      const last = fnNode.type === 'attribute' ? fnNode.childForFieldName('attribute')?.text : fnNode.type === 'identifier' ? fnNode.text : undefined;
      // An imported function under another name (`from transformers import pipeline as make`) is checked too.
      if (!last || (!HUB_NAMES.test(last) && !(fnNode.type === 'identifier' && bindings.has(last)))) continue;
    }
    const fn = dottedName(fnNode);
    if (!fn) continue;
    const name = canonical(fn, bindings);
    const rule = ruleFor(name);
    const args = callArguments(call);
    if (!rule) {
      // Any other call with pretrained=True loads weights from somewhere we do not know.
      if (isTrue(args.keywords.get('pretrained'))) {
        out.push({ file, line: lineOf(call), call: name, loads: 'weights', loadsWeights: true, local: false });
      }
      continue;
    }
    const loads = rule.loads(name, call, args);
    if (!loads) continue;
    const targetNode = rule.target(call, args);
    const targets = literalTargets(targetNode, stringValue(targetNode) === undefined && targetNode ? constants() : new Map());
    const revision = stringValue(args.keywords.get('revision'));
    const base = { file, line: lineOf(call), call: name, loads, loadsWeights: loads === 'weights', ...(revision ? { revision } : {}) };
    if (targets.length === 0) {
      if (targetNode && isPathExpression(targetNode)) {
        out.push({ ...base, target: targetNode.text.slice(0, 200), local: true });
        continue;
      }
      // No literal: a default the call picks itself, or a variable we cannot follow (target stays undefined).
      out.push({ ...base, target: rule.fallback?.(name, args), local: false });
      continue;
    }
    for (const t of targets) {
      // torch.hub.load(..., source='local') reads a local hub directory.
      const local = isLocalTarget(t.value, repoDirs) || stringValue(args.keywords.get('source')) === 'local';
      out.push({ ...base, target: rule.compose ? rule.compose(t.value, args) : t.value, local, viaConstant: t.via });
    }
  }
  return out;
}

/** Hub references as findings; repeated identical references in a file become one finding. */
export function hubFindings(refs: HubReference[]): Finding[] {
  const byKey = new Map<string, { ref: HubReference; count: number; lines: number[] }>();
  for (const r of refs) {
    const key = `${r.file}|${r.call}|${r.target ?? ''}|${r.loads}${r.revision ? '|' + r.revision : ''}`;
    const e = byKey.get(key);
    if (e) {
      e.count++;
      if (e.lines.length < 20) e.lines.push(r.line);
    } else byKey.set(key, { ref: r, count: 1, lines: [r.line] });
  }
  const findings: Finding[] = [];
  for (const [key, { ref: r, count, lines }] of byKey) {
    let strength: Strength = r.local ? 'info' : STRENGTH[r.loads];
    // A load whose target we could not read is shown, but as weak evidence.
    if (!r.target && r.loads === 'weights') strength = 'weak';
    const external = !r.local && r.target !== undefined;
    const hfLike = external && /^[\w.-]+(\/[\w.-]+)?$/.test(r.target!);
    findings.push({
      id: stableId('hub', key),
      kind: 'hub-reference',
      category: 'unknown',
      file: r.file,
      lines: { start: r.line, end: r.line },
      upstream: external
        ? {
            project: r.target!,
            // What the hub serves when no revision is given.
            version: r.revision ?? (hfLike ? 'main' : ''),
            category: 'unknown',
            remote: hfLike && r.target!.includes('/') ? `https://huggingface.co/${r.target}` : undefined,
          }
        : undefined,
      method: 'hub-reference',
      confidence: r.target ? 1 : 0.5,
      strength,
      message: describe(r),
      details: {
        call: r.call,
        target: r.target ?? null,
        loads: r.loads,
        loadsWeights: r.loadsWeights,
        local: r.local,
        // loadsWeights with no readable target: the call loads weights from a place we could not follow.
        ...(r.target === undefined && r.loads !== 'architecture' ? { unresolvedTarget: true } : {}),
        ...(r.viaConstant ? { viaConstant: r.viaConstant } : {}),
        ...(r.revision ? { revision: r.revision } : {}),
        occurrences: count,
        lines,
      },
    });
  }
  return findings;
}

function describe(r: HubReference): string {
  if (r.loads === 'architecture') return `${r.call}: builds the architecture only, no pretrained weights`;
  const what = `loads ${r.loads === 'weights' ? 'pretrained weights' : `a ${r.loads}`}`;
  const target = r.target ? `${r.local ? 'local path' : 'external'} ${JSON.stringify(r.target)}` : 'a target that is not a literal';
  return `${r.call}: ${what} from ${target}${r.viaConstant ? ` (via ${r.viaConstant})` : ''}`;
}
