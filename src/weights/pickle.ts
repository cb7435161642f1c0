// Static pickle walker. It never unpickles: it interprets the opcode stream symbolically and understands only an
// allow-list of globals (what torch's weights_only loader needs). Any other global, extension code, or anything it
// cannot follow makes the result UNSAFE (fail closed): a denylist would miss marshal/types tricks and memo games.
import { dtypeFromTorchStorage, type DType } from './dtypes';

export type PV =
  | { t: 'mark' }
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: number }
  | { t: 'float'; v: number }
  | { t: 'str'; v: string }
  | { t: 'bytes'; n: number }
  | { t: 'tuple'; items: PV[] }
  | { t: 'list'; items: PV[] }
  | { t: 'dict'; entries: [PV, PV][] }
  | { t: 'set' }
  | { t: 'global'; module: string; name: string }
  | { t: 'storage'; key: string; dtype: DType; numel: number }
  | { t: 'tensor'; storage: { key: string; dtype: DType; numel: number }; offset: number; size: number[]; stride: number[] };

/** Globals we interpret; everything else is unsafe. */
export const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  'torch.nn.parameter.Parameter',
  'torch.Size',
  ...['Float', 'Double', 'Half', 'BFloat16', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool', 'Float8_e4m3fn', 'Float8_e5m2'].map(
    (s) => `torch.${s}Storage`,
  ),
]);

export type PickleResult =
  | { status: 'ok'; root: PV; streams: number }
  | { status: 'unsafe'; reason: string; globals: string[]; offset: number };

class Unsafe extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly global?: string,
  ) {
    super(reason);
  }
}
/** A malformed stream (not necessarily malicious); the caller names the file. */
export class PickleError extends Error {}

const LIMITS = { ops: 50_000_000, stack: 5_000_000, memo: 5_000_000, line: 1 << 20 };

export function walkPickle(buf: Buffer): PickleResult {
  let pos = 0;
  let first: PV | undefined;
  let streams = 0;
  const globals: string[] = [];
  try {
    while (pos < buf.length) {
      const { value, end } = walkOne(buf, pos, globals);
      if (first === undefined) first = value;
      streams++;
      pos = end;
    }
  } catch (e) {
    if (e instanceof Unsafe) {
      if (e.global) globals.push(e.global);
      return { status: 'unsafe', reason: e.reason, globals, offset: e.offset };
    }
    throw e;
  }
  if (first === undefined) throw new PickleError('empty pickle');
  return { status: 'ok', root: first, streams };
}

function walkOne(buf: Buffer, start: number, globals: string[]): { value: PV; end: number } {
  let p = start;
  let ops = 0;
  const stack: PV[] = [];
  const memo = new Map<number, PV>();
  const fail = (msg: string): never => {
    throw new PickleError(`pickle: ${msg} at byte ${p}`);
  };
  const need = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0 || p + n > buf.length) fail(`length ${n} runs past the end of the stream`);
  };
  const u8 = () => (need(1), buf[p++]);
  const u16 = () => (need(2), (p += 2), buf.readUInt16LE(p - 2));
  const i32 = () => (need(4), (p += 4), buf.readInt32LE(p - 4));
  const u32 = () => (need(4), (p += 4), buf.readUInt32LE(p - 4));
  const u64 = (): number => {
    need(8);
    const v = buf.readBigUInt64LE(p);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`absurd length ${v}`);
    return Number(v);
  };
  const line = (): string => {
    const end = buf.indexOf(0x0a, p);
    if (end < 0 || end - p > LIMITS.line) fail('unterminated text argument');
    const s = buf.subarray(p, end).toString('latin1');
    p = end + 1;
    return s;
  };
  const take = (n: number): Buffer => {
    need(n);
    p += n;
    return buf.subarray(p - n, p);
  };
  const push = (v: PV) => {
    if (stack.length >= LIMITS.stack) fail('stack too deep');
    stack.push(v);
  };
  const pop = (): PV => {
    const v = stack.pop();
    if (v === undefined) fail('stack underflow');
    if (v!.t === 'mark') fail('unexpected MARK');
    return v!;
  };
  const top = (): PV => {
    const v = stack[stack.length - 1];
    if (v === undefined || v.t === 'mark') fail('stack underflow');
    return v;
  };
  const popMark = (): PV[] => {
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i].t === 'mark') {
        const items = stack.slice(i + 1);
        stack.length = i;
        return items;
      }
    }
    return fail('no MARK on the stack');
  };
  const memoGet = (i: number): PV => {
    const v = memo.get(i);
    if (v === undefined) fail(`memo key ${i} was never stored`);
    return v!;
  };
  const memoPut = (i: number) => {
    if (memo.size >= LIMITS.memo && !memo.has(i)) fail('memo too large');
    memo.set(i, top());
  };
  const global = (module: string, name: string, at: number): PV => {
    const full = `${module}.${name}`;
    globals.push(full);
    if (!ALLOWED_GLOBALS.has(full)) throw new Unsafe(`global ${full} is not on the allow-list`, at, undefined);
    return { t: 'global', module, name };
  };
  const setItems = (d: PV, kv: PV[]) => {
    if (d.t !== 'dict') fail('SETITEM(S) on a non-dict');
    if (kv.length % 2) fail('odd number of SETITEMS arguments');
    for (let i = 0; i < kv.length; i += 2) (d as { entries: [PV, PV][] }).entries.push([kv[i], kv[i + 1]]);
  };
  const appendItems = (l: PV, items: PV[]) => {
    if (l.t === 'list') l.items.push(...items);
    else if (l.t === 'set') return;
    else fail('APPEND(S) on a non-list');
  };

  for (;;) {
    if (++ops > LIMITS.ops) fail('too many opcodes');
    const at = p;
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: { const n = u64(); need(n); break; } // FRAME: a hint, the bytes follow inline
      case 0x2e: { // STOP
        const v = pop();
        if (stack.length) fail('items left on the stack at STOP');
        return { value: v, end: p };
      }
      case 0x28: push({ t: 'mark' }); break;
      case 0x30: pop(); break;
      case 0x31: popMark(); break;
      case 0x32: push(top()); break;
      case 0x4e: push({ t: 'none' }); break;
      case 0x88: push({ t: 'bool', v: true }); break;
      case 0x89: push({ t: 'bool', v: false }); break;
      case 0x4a: push({ t: 'int', v: i32() }); break;
      case 0x4b: push({ t: 'int', v: u8() }); break;
      case 0x4d: push({ t: 'int', v: u16() }); break;
      case 0x8a: case 0x8b: { // LONG1 / LONG4: little-endian two's complement
        const n = op === 0x8a ? u8() : u32();
        if (n > 64) fail('integer too long');
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        push({ t: 'int', v: Number(v) });
        break;
      }
      case 0x49: { // INT (text)
        const s = line();
        push(s === '00' ? { t: 'bool', v: false } : s === '01' ? { t: 'bool', v: true } : { t: 'int', v: Number(s) });
        break;
      }
      case 0x4c: push({ t: 'int', v: Number(line().replace(/L$/, '')) }); break;
      case 0x46: push({ t: 'float', v: Number(line()) }); break;
      case 0x47: { need(8); push({ t: 'float', v: buf.readDoubleBE(p) }); p += 8; break; }
      case 0x53: case 0x56: push({ t: 'str', v: line() }); break; // STRING / UNICODE (text forms)
      case 0x54: push({ t: 'str', v: take(i32()).toString('latin1') }); break;
      case 0x55: push({ t: 'str', v: take(u8()).toString('latin1') }); break;
      case 0x58: push({ t: 'str', v: take(u32()).toString('utf8') }); break;
      case 0x8c: push({ t: 'str', v: take(u8()).toString('utf8') }); break;
      case 0x8d: push({ t: 'str', v: take(u64()).toString('utf8') }); break;
      case 0x42: push({ t: 'bytes', n: take(u32()).length }); break;
      case 0x43: push({ t: 'bytes', n: take(u8()).length }); break;
      case 0x8e: case 0x96: push({ t: 'bytes', n: take(u64()).length }); break;
      case 0x29: push({ t: 'tuple', items: [] }); break;
      case 0x74: push({ t: 'tuple', items: popMark() }); break;
      case 0x85: push({ t: 'tuple', items: [pop()] }); break;
      case 0x86: { const b = pop(); const a = pop(); push({ t: 'tuple', items: [a, b] }); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push({ t: 'tuple', items: [a, b, c] }); break; }
      case 0x5d: push({ t: 'list', items: [] }); break;
      case 0x6c: push({ t: 'list', items: popMark() }); break;
      case 0x7d: push({ t: 'dict', entries: [] }); break;
      case 0x64: { const d: PV = { t: 'dict', entries: [] }; setItems(d, popMark()); push(d); break; }
      case 0x8f: push({ t: 'set' }); break;
      case 0x91: popMark(); push({ t: 'set' }); break;
      case 0x90: { const items = popMark(); if (top().t !== 'set') fail('ADDITEMS on a non-set'); void items; break; }
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; }
      case 0x65: { const items = popMark(); appendItems(top(), items); break; }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; }
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; }
      case 0x67: push(memoGet(Number(line()))); break;
      case 0x68: push(memoGet(u8())); break;
      case 0x6a: push(memoGet(u32())); break;
      case 0x70: memoPut(Number(line())); break;
      case 0x71: memoPut(u8()); break;
      case 0x72: memoPut(u32()); break;
      case 0x94: memoPut(memo.size); break;
      case 0x63: { const m = line(); const n = line(); push(global(m, n, at)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL: both operands must be plain strings we can see
        const n = pop();
        const m = pop();
        if (m.t !== 'str' || n.t !== 'str') throw new Unsafe('STACK_GLOBAL with operands that are not strings', at);
        push(global(m.v, n.v, at));
        break;
      }
      case 0x69: { // INST module name: import + call in one opcode
        const m = line();
        const n = line();
        const g = global(m, n, at);
        push(call(g, popMark(), at));
        break;
      }
      case 0x6f: { // OBJ: class and args after the mark
        const items = popMark();
        if (!items.length) fail('OBJ without a class');
        push(call(items[0], items.slice(1), at));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const f = pop();
        if (args.t !== 'tuple') throw new Unsafe('REDUCE with non-tuple arguments', at);
        push(call(f, args.items, at));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        if (args.t !== 'tuple') throw new Unsafe('NEWOBJ with non-tuple arguments', at);
        push(call(cls, args.items, at));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kw = pop();
        const args = pop();
        const cls = pop();
        if (args.t !== 'tuple' || kw.t !== 'dict' || kw.entries.length) throw new Unsafe('NEWOBJ_EX with keyword arguments', at);
        push(call(cls, args.items, at));
        break;
      }
      case 0x62: { // BUILD: __setstate__; harmless only on the plain containers/tensors we created
        pop();
        const o = top();
        if (o.t !== 'dict' && o.t !== 'tensor') throw new Unsafe(`BUILD on a ${o.t}`, at);
        break;
      }
      case 0x51: { // BINPERSID: torch storage reference
        const pid = pop();
        push(persistent(pid, at));
        break;
      }
      case 0x50: throw new Unsafe('text persistent id (PERSID) is not used by torch', at);
      case 0x82: case 0x83: case 0x84: throw new Unsafe('extension registry opcode (EXT1/2/4) can name any callable', at);
      case 0x97: case 0x98: throw new Unsafe('out-of-band buffers are not supported', at);
      default:
        fail(`unknown opcode 0x${op.toString(16)}`);
    }
  }
}

function call(f: PV, args: PV[], at: number): PV {
  if (f.t !== 'global') throw new Unsafe(`call of a ${f.t}, not an allow-listed global`, at);
  const full = `${f.module}.${f.name}`;
  const int = (v: PV | undefined, what: string): number => {
    if (!v || v.t !== 'int' || !Number.isSafeInteger(v.v)) throw new Unsafe(`${full}: ${what} is not an integer`, at);
    return v.v;
  };
  const ints = (v: PV | undefined, what: string): number[] => {
    if (!v || v.t !== 'tuple') throw new Unsafe(`${full}: ${what} is not a tuple`, at);
    return v.items.map((x) => int(x, what));
  };
  switch (full) {
    case 'collections.OrderedDict':
      return { t: 'dict', entries: [] };
    case 'torch.Size':
      return args[0] && args[0].t === 'tuple' ? args[0] : { t: 'tuple', items: [] };
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2': {
      const s = args[0];
      if (!s || s.t !== 'storage') throw new Unsafe(`${full}: first argument is not a storage`, at);
      const size = ints(args[2], 'size');
      const stride = ints(args[3], 'stride');
      if (size.length !== stride.length) throw new Unsafe(`${full}: size and stride differ in length`, at);
      return { t: 'tensor', storage: { key: s.key, dtype: s.dtype, numel: s.numel }, offset: int(args[1], 'offset'), size, stride };
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
    case 'torch.nn.parameter.Parameter': {
      const t = args[0];
      if (!t || t.t !== 'tensor') throw new Unsafe(`${full}: argument is not a tensor`, at);
      return t;
    }
    case 'torch._tensor._rebuild_from_type_v2': {
      const inner = args[0];
      const innerArgs = args[2];
      if (!inner || !innerArgs || innerArgs.t !== 'tuple') throw new Unsafe(`${full}: malformed arguments`, at);
      return call(inner, innerArgs.items, at);
    }
    default:
      throw new Unsafe(`${full} cannot be called`, at);
  }
}

function persistent(pid: PV, at: number): PV {
  if (pid.t !== 'tuple' || pid.items.length !== 5) throw new Unsafe('persistent id is not a 5-tuple', at);
  const [tag, type, key, , numel] = pid.items;
  if (tag.t !== 'str' || tag.v !== 'storage') throw new Unsafe('persistent id is not a storage', at);
  if (type.t !== 'global' || type.module !== 'torch') throw new Unsafe('storage type is not a torch storage class', at);
  const dtype = dtypeFromTorchStorage(type.name);
  if (!dtype) throw new Unsafe(`unknown storage type torch.${type.name}`, at);
  if (key.t !== 'str' || !/^[A-Za-z0-9_.-]{1,128}$/.test(key.v)) throw new Unsafe('storage key is not a plain name', at);
  if (numel.t !== 'int' || numel.v < 0) throw new Unsafe('storage size is not an integer', at);
  return { t: 'storage', key: key.v, dtype, numel: numel.v };
}

/** Tensors found in (nested) string-keyed dicts of the root, with dotted names. */
export function collectTensors(root: PV): { name: string; tensor: Extract<PV, { t: 'tensor' }> }[] {
  const out: { name: string; tensor: Extract<PV, { t: 'tensor' }> }[] = [];
  const seen = new Set<PV>();
  const visit = (v: PV, prefix: string, depth: number) => {
    if (depth > 16 || seen.has(v)) return;
    seen.add(v);
    if (v.t === 'tensor') out.push({ name: prefix, tensor: v });
    else if (v.t === 'dict') {
      for (const [k, x] of v.entries) {
        if (k.t === 'str') visit(x, prefix ? `${prefix}.${k.v}` : k.v, depth + 1);
      }
    }
  };
  visit(root, '', 0);
  return out;
}
