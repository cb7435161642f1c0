// The one description of a tensor that every format reader produces; everything downstream reads values only
// through it, so formats differ only in how they fill it in.
import type { DType } from './dtypes';

export type WeightsFormat = 'safetensors' | 'gguf' | 'torch' | 'npy' | 'npz' | 'onnx' | 'lfs-pointer';

export interface TensorRef {
  name: string;
  /** Absolute path of the file that holds the bytes (ONNX external data may live in another file). */
  file: string;
  /** Repository-relative path of that file, for messages. */
  relFile: string;
  dtype: DType;
  /** PyTorch order (outermost first); GGUF dims are reversed by its reader. */
  shape: number[];
  numel: number;
  /** Absolute byte offset of element 0 in `file`. */
  offset: number;
  /** Bytes of the dense, row-major data (numel * element size), or of the quantized blocks. */
  byteLength: number;
  /** Element strides when the layout is not row-major (torch views, Fortran-order npy); undefined = row-major. */
  strides?: number[];
  /** Why values cannot be sampled (quantized, compressed entry...); the tensor may still be hashed raw. */
  unreadable?: string;
  /** Data already in memory (small deflated npz entries): offset is then relative to this buffer. */
  inMemory?: Buffer;
}

export function isRowMajor(t: TensorRef): boolean {
  if (!t.strides) return true;
  let expect = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.strides[i] !== expect) return false;
    expect *= t.shape[i];
  }
  return true;
}

/** Element index in storage of the element at row-major flat index `flat`. */
export function storageIndex(t: TensorRef, flat: number): number {
  if (!t.strides || isRowMajor(t)) return flat;
  let rest = flat;
  let idx = 0;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    const d = t.shape[i];
    const c = rest % d;
    rest = (rest - c) / d;
    idx += c * t.strides[i];
  }
  return idx;
}
