// Fixture 13: malformed and hostile files. Each must give a clear error naming the file, or "unsafe", and never
// crash, hang, allocate the declared size, or execute anything.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectWeights } from '../../src/weights/index';
import { openWeightsFile } from '../../src/weights/inventory';
import { walkPickle } from '../../src/weights/pickle';
import { ggufBytes, llama, npyBytes, onnxBytes, Pk, records, safetensorsBytes, tensor, tmpDir, torchStateDictPickle, zipBytes, removeTmp } from './helpers';

afterAll(() => removeTmp());

const marker = path.join(os.tmpdir(), `sa-weights-pwned-${process.pid}`);
const payloadCmd = `touch ${marker}`;

function open(name: string, bytes: Buffer) {
  const dir = tmpDir('hostile');
  fs.writeFileSync(path.join(dir, name), bytes);
  return { dir, rec: openWeightsFile(dir, name) };
}
function expectError(name: string, bytes: Buffer, re: RegExp) {
  const { rec } = open(name, bytes);
  expect(rec.error).toBeDefined();
  expect(rec.error!.startsWith(`${name}: `)).toBe(true);
  expect(rec.error).toMatch(re);
  expect(rec.tensors).toEqual([]);
}

const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};
function stHeader(h: unknown, data: Buffer = Buffer.alloc(0)): Buffer {
  const j = Buffer.from(typeof h === 'string' ? h : JSON.stringify(h));
  return Buffer.concat([u64(BigInt(j.length)), j, data]);
}

afterAll(() => {
  expect(fs.existsSync(marker)).toBe(false);
});

describe('safetensors', () => {
  const one = tensor('F32', [2, 2], (i) => i);
  test('file shorter than 8 bytes', () => expectError('a.safetensors', Buffer.from([1, 2]), /shorter than the 8-byte header length/));
  test('header length past the end of the file', () => expectError('a.safetensors', Buffer.concat([u64(5000n), Buffer.from('{}')]), /runs past the end of the file/));
  test('header > 100 MB declared (not allocated)', () => expectError('a.safetensors', Buffer.concat([u64(200_000_000n), Buffer.from('{}')]), /exceeds the 104857600-byte limit/));
  test('header length 2^63', () => expectError('a.safetensors', Buffer.concat([u64(1n << 63n), Buffer.from('{}')]), /absurdly large/));
  test('bad JSON', () => expectError('a.safetensors', stHeader('{"a": [1,'), /not valid JSON/));
  test('header not starting with {', () => expectError('a.safetensors', stHeader('[]'), /does not start with/));
  test('duplicate keys', () =>
    expectError('a.safetensors', stHeader('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', Buffer.alloc(8)), /duplicate tensor name "w"/));
  test('overlapping ranges', () =>
    expectError('a.safetensors', stHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, Buffer.alloc(12)), /overlaps/));
  test('hole between tensors', () =>
    expectError('a.safetensors', stHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, Buffer.alloc(12)), /unaccounted bytes/));
  test('trailing hidden bytes', () =>
    expectError('a.safetensors', stHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(64)), /unaccounted bytes after/));
  test('offsets past EOF', () => expectError('a.safetensors', stHeader({ a: { dtype: 'F32', shape: [1000], data_offsets: [0, 4000] } }, Buffer.alloc(16)), /past the end of the data/));
  test('shape x dtype overflow', () =>
    expectError('a.safetensors', stHeader({ a: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, Buffer.alloc(4)), /overflows/));
  test('size mismatch', () => expectError('a.safetensors', stHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)), /needs 12/));
  test('unknown dtype', () => expectError('a.safetensors', stHeader({ a: { dtype: 'OBJ', shape: [1], data_offsets: [0, 1] } }, Buffer.alloc(1)), /unknown dtype/));
  test('a valid file still reads', () => {
    const { rec } = open('ok.safetensors', safetensorsBytes([['w', one]]));
    expect(rec.error).toBeUndefined();
    expect(rec.tensors.map((t) => t.name)).toEqual(['w']);
  });
});

describe('GGUF', () => {
  const t = tensor('F32', [4, 8], (i) => i);
  test('absurd tensor count', () => expectError('m.gguf', ggufBytes([], [['a', t]], { tensorCount: 1n << 40n }), /absurd tensor count/));
  test('absurd metadata count', () => expectError('m.gguf', ggufBytes([], [['a', t]], { kvCount: 1n << 40n }), /absurd metadata count/));
  test('huge string length', () => {
    const b = ggufBytes([['general.name', 'str', 'x']], []);
    b.writeBigUInt64LE(1n << 40n, 24); // key length of the first KV
    expectError('m.gguf', b, /declares a string of/);
  });
  test('truncated in the tensor infos', () => expectError('m.gguf', ggufBytes([], [['a', t]]).subarray(0, 40), /past the end of the file/));
  test('tensor data past EOF', () => {
    const b = ggufBytes([], [['a', t]]);
    expectError('m.gguf', b.subarray(0, b.length - 64), /runs past the end of the file/);
  });
  test('unsupported version', () => expectError('m.gguf', ggufBytes([], [['a', t]], { version: 99 }), /unsupported version 99/));
});

function torchWith(pkl: Buffer): Buffer {
  return zipBytes([{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/data/0', data: Buffer.alloc(16) }]);
}
const evilGlobal = () => new Pk().global('os', 'system').str(payloadCmd).op(0x85).op(0x52).op(0x2e).bytes();

describe('pickles: unsafe, never executed', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['GLOBAL os.system + REDUCE', evilGlobal(), /os\.system/],
    ['STACK_GLOBAL builtins.eval', new Pk().str('builtins').str('eval').op(0x93).str('1+1').op(0x85).op(0x52).op(0x2e).bytes(), /builtins\.eval/],
    ['memo desync trick (BINPUT/BINGET feeding STACK_GLOBAL)',
      new Pk().str('torch').op(0x71, 1).op(0x30).str('os').op(0x71, 1).str('system').op(0x71, 2).op(0x30).op(0x30).op(0x68, 1).op(0x68, 2).op(0x93).str(payloadCmd).op(0x85).op(0x52).op(0x2e).bytes(),
      /os\.system/],
    ['marshal.loads + types.FunctionType', new Pk().global('types', 'FunctionType').global('marshal', 'loads').op(0x2e).bytes(), /types\.FunctionType/],
    ['EXT1 extension code', new Pk().op(0x82, 1).op(0x2e).bytes(), /extension registry/],
    ['INST subprocess.Popen', new Pk().op(0x28).str(payloadCmd).op(0x69).raw('subprocess\nPopen\n').op(0x2e).bytes(), /subprocess\.Popen/],
    ['REDUCE on a non-global', new Pk().str('x').op(0x29).op(0x52).op(0x2e).bytes(), /call of a str/],
    ['BUILD on a non-container', new Pk().str('x').op(0x7d).op(0x62).op(0x2e).bytes(), /BUILD on a str/],
  ];
  test.each(cases)('%s', async (_n, pkl, re) => {
    const res = walkPickle(pkl);
    expect(res.status).toBe('unsafe');
    expect(res.status === 'unsafe' && [res.reason, ...res.globals].join(' ')).toMatch(re);
    const { dir, rec } = open('pytorch_model.bin', torchWith(pkl));
    expect(rec.unsafe).toBeDefined();
    const r = await detectWeights(dir, records(dir), [], {});
    expect(r.gate.status).toBe('REVIEW');
    const f = r.findings.find((x) => x.details?.unsafe === true)!;
    expect(f.message).toMatch(/unsafe pickle/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('a second pickle stream after a valid state dict is walked too', () => {
    const good = torchStateDictPickle([{ name: 'w', key: '0', storage: 'FloatStorage', storageNumel: 4, offset: 0, size: [2, 2], stride: [2, 1] }]);
    const { rec } = open('model.pt', torchWith(Buffer.concat([good, evilGlobal()])));
    expect(rec.unsafe?.reason).toMatch(/os\.system/);
  });

  test('STACK_GLOBAL at offset 0 is an error, not "no issues found"', () => {
    const { rec } = open('model.pt', torchWith(Buffer.from([0x93, 0x2e])));
    expect(rec.error).toMatch(/stack underflow/);
  });

  test('an extra .pkl member in the archive is walked', () => {
    const good = torchStateDictPickle([{ name: 'w', key: '0', storage: 'FloatStorage', storageNumel: 4, offset: 0, size: [2, 2], stride: [2, 1] }]);
    const { rec } = open('model.pt', zipBytes([{ name: 'archive/data.pkl', data: good }, { name: 'archive/data/0', data: Buffer.alloc(16) }, { name: 'archive/extra.pkl', data: evilGlobal() }]));
    expect(rec.unsafe?.reason).toMatch(/extra\.pkl/);
  });

  test('a storage view beyond its storage', () => {
    const pkl = torchStateDictPickle([{ name: 'w', key: '0', storage: 'FloatStorage', storageNumel: 4, offset: 2, size: [2, 2], stride: [2, 1] }]);
    const { rec } = open('model.pt', torchWith(pkl));
    expect(rec.error).toMatch(/view exceeds its storage/);
  });

  test('BINUNICODE8 with a length of 2^50 is refused without allocating', () => {
    const b = Buffer.concat([Buffer.from([0x80, 0x04, 0x8d]), u64(1n << 50n), Buffer.from('x.')]);
    expect(() => walkPickle(b)).toThrow(/runs past the end of the stream/);
  });

  test('legacy (non-zip) torch files are refused', () => expectError('old.bin', evilGlobal(), /legacy/));
});

describe('zip archives', () => {
  test('zip bomb: a member that inflates beyond its declared size', () => {
    const bomb = zipBytes([{ name: 'archive/data.pkl', data: Buffer.alloc(50 << 20), deflate: true, declaredSize: 100 }]);
    expect(bomb.length).toBeLessThan(200_000);
    expectError('bomb.pt', bomb, /does not inflate within its declared size/);
  });
  test('absurd declared size is refused before inflating', () => {
    expectError('big.pt', zipBytes([{ name: 'archive/data.pkl', data: Buffer.from('x'), deflate: true, declaredSize: 0xfffffff0 }]), /above the .*-byte limit/);
  });
  test('entry count that cannot fit in the directory', () => {
    const z = zipBytes([{ name: 'archive/data.pkl', data: Buffer.from('x') }]);
    z.writeUInt16LE(0xfff0, z.length - 22 + 10);
    expectError('count.pt', z, /entries cannot fit/);
  });
  test('ZIP64 record pointing past the end', () => {
    const z = zipBytes([{ name: 'archive/data.pkl', data: Buffer.from('x') }]);
    z.writeUInt32LE(0xffffffff, z.length - 22 + 16);
    expectError('z64.pt', z, /ZIP64 values without a ZIP64 locator/);
  });
  test('member offset past EOF', () => {
    const z = zipBytes([{ name: 'archive/data.pkl', data: Buffer.from('x') }]);
    const cd = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    z.writeUInt32LE(0x7fffffff, cd + 42);
    expectError('off.pt', z, /runs past the end of the file/);
  });
  test('not a zip at all', () => expectError('garbage.pt', Buffer.from('hello world, not a zip'), /not a zip archive/));
});

describe('numpy', () => {
  test('object dtype is refused as unsafe', () => expectError('a.npy', npyBytes({ descr: '|O', shape: [2], data: Buffer.alloc(16) }), /object dtype .*unsafe/));
  test('object dtype inside an npz', () => expectError('a.npz', zipBytes([{ name: 'x.npy', data: npyBytes({ descr: '|O', shape: [2], data: Buffer.alloc(16) }) }]), /object dtype/));
  test('shape larger than the data', () => expectError('a.npy', npyBytes({ descr: '<f4', shape: [1000], data: Buffer.alloc(8) }), /only 8 are present/));
  test('header length past the end', () => {
    const b = npyBytes(tensor('F32', [2], () => 1));
    b.writeUInt16LE(60000, 8);
    expectError('a.npy', b, /runs past the end/);
  });
});

describe('ONNX', () => {
  const t = tensor('F32', [4, 4], (i) => i);
  test('external data escaping with ../ is refused', () => {
    const dir = tmpDir('onnx-escape');
    fs.mkdirSync(path.join(dir, 'm'));
    fs.writeFileSync(path.join(dir, 'secret.bin'), Buffer.alloc(64));
    fs.writeFileSync(path.join(dir, 'm', 'model.onnx'), onnxBytes([{ name: 'w', t, external: { location: '../secret.bin' } }]));
    const rec = openWeightsFile(dir, 'm/model.onnx');
    expect(rec.error).toMatch(/^m\/model\.onnx: onnx: external data location "\.\.\/secret\.bin" escapes the model folder; refused/);
  });
  test('absolute external path is refused', () => {
    const { rec } = open('model.onnx', onnxBytes([{ name: 'w', t, external: { location: '/etc/passwd' } }]));
    expect(rec.error).toMatch(/escapes the model folder/);
  });
  test('a symlink inside the repository pointing outside is refused', () => {
    const outside = tmpDir('onnx-outside');
    fs.writeFileSync(path.join(outside, 'data.bin'), Buffer.alloc(64));
    const dir = tmpDir('onnx-link');
    fs.symlinkSync(path.join(outside, 'data.bin'), path.join(dir, 'data.bin'));
    fs.writeFileSync(path.join(dir, 'model.onnx'), onnxBytes([{ name: 'w', t, external: { location: 'data.bin' } }]));
    expect(openWeightsFile(dir, 'model.onnx').error).toMatch(/resolves outside the repository/);
  });
  test('external data shorter than declared', () => {
    const dir = tmpDir('onnx-short');
    fs.writeFileSync(path.join(dir, 'data.bin'), Buffer.alloc(8));
    fs.writeFileSync(path.join(dir, 'model.onnx'), onnxBytes([{ name: 'w', t, external: { location: 'data.bin' } }]));
    expect(openWeightsFile(dir, 'model.onnx').error).toMatch(/runs past the end of data\.bin/);
  });
  test('truncated protobuf', () => {
    const b = onnxBytes([{ name: 'w', t }]);
    expectError('model.onnx', b.subarray(0, b.length - 10), /runs past its message|truncated|overruns/);
  });
  test('over-long varint', () => expectError('model.onnx', Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /varint/));
});

describe('the pipeline survives all of it', () => {
  test('a repository full of hostile files plus one good model: no crash, REVIEW, every bad file named', async () => {
    const dir = tmpDir('zoo');
    fs.writeFileSync(path.join(dir, 'a.safetensors'), Buffer.concat([u64(200_000_000n), Buffer.from('{}')]));
    fs.writeFileSync(path.join(dir, 'b.gguf'), ggufBytes([], [], { tensorCount: 1n << 60n }));
    fs.writeFileSync(path.join(dir, 'c.bin'), torchWith(evilGlobal()));
    fs.writeFileSync(path.join(dir, 'd.npy'), npyBytes({ descr: '|O', shape: [2], data: Buffer.alloc(16) }));
    fs.writeFileSync(path.join(dir, 'e.onnx'), onnxBytes([{ name: 'w', t: tensor('F32', [2], () => 1), external: { location: '../../x' } }]));
    fs.writeFileSync(path.join(dir, 'good.safetensors'), safetensorsBytes([...llama('zoo')].slice(0, 4)));
    const r = await detectWeights(dir, records(dir), [], {});
    expect(r.gate.status).toBe('REVIEW');
    const named = r.findings.map((f) => f.file).sort();
    expect(named).toEqual(['a.safetensors', 'b.gguf', 'c.bin', 'd.npy', 'e.onnx']);
  });
});
