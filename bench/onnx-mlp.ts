// A nerva Sequential of Flatten + Dense layers written as an ONNX model, for the ONNX Runtime Web
// column of `npm run bench`: the same weights, so both engines compute the same function. A small
// protobuf writer (only the fields of onnx.proto this model uses) keeps Python out of the bench.
//
// Graph: input [N, ...] -> Flatten(axis 1) -> per Dense: Gemm(kernel, bias) + activation -> output.
// Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ...).

/** Protobuf wire-format writer: varints, length-delimited fields, nothing else is needed here. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  private varint(v: number): this {
    const out: number[] = [];
    // Values here are small non-negative integers (< 2^53), so plain arithmetic is exact.
    let x = v;
    while (x >= 0x80) {
      out.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    out.push(x);
    return this.push(Uint8Array.from(out));
  }

  /** A varint field (int32, int64, enum). */
  int(field: number, v: number): this {
    return this.varint(field * 8).varint(v);
  }

  /** A length-delimited field: bytes, a string or an embedded message. */
  bytes(field: number, b: Uint8Array | string | Writer): this {
    const body = typeof b === 'string' ? new TextEncoder().encode(b) : b instanceof Writer ? b.finish() : b;
    return this.varint(field * 8 + 2).varint(body.length).push(body);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

/** One Dense layer: kernel [inputs, units] and bias [units], row-major float32. */
export interface DenseSpec {
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  units: number;
  activation: 'relu' | 'softmax' | 'linear';
}

function tensor(name: string, dims: number[], values: Float32Array): Writer {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, FLOAT).bytes(8, name);
  // raw_data is little-endian float32, as a Float32Array stores it on every platform Node runs on.
  return w.bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function valueInfo(name: string, dims: (number | string)[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.bytes(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().bytes(2, d));
  const tensorType = new Writer().int(1, FLOAT).bytes(2, shape);
  return new Writer().bytes(1, name).bytes(2, new Writer().bytes(1, tensorType));
}

function node(op: string, inputs: string[], output: string, attrs: Record<string, number> = {}): Writer {
  const w = new Writer();
  for (const i of inputs) w.bytes(1, i);
  w.bytes(2, output).bytes(3, `${op}_${output}`).bytes(4, op);
  for (const [name, v] of Object.entries(attrs)) w.bytes(5, new Writer().bytes(1, name).int(20, ATTR_INT).int(3, v));
  return w;
}

/** The ONNX model (opset 17) bytes of Flatten + the given Dense stack, input shape [N, ...inputShape]. */
export function mlpToOnnx(inputShape: number[], dense: DenseSpec[]): Uint8Array {
  const g = new Writer();
  g.bytes(1, node('Flatten', ['input'], 'flat', { axis: 1 }));
  let prev = 'flat';
  dense.forEach((d, i) => {
    const z = `dense${i}`;
    g.bytes(1, node('Gemm', [prev, `kernel${i}`, `bias${i}`], z));
    prev = z;
    if (d.activation !== 'linear') {
      const a = `${d.activation}${i}`;
      g.bytes(1, node(d.activation === 'relu' ? 'Relu' : 'Softmax', [prev], a, d.activation === 'softmax' ? { axis: 1 } : {}));
      prev = a;
    }
  });
  // The last node's output is renamed 'output' by an Identity so that the name does not depend on the layers.
  g.bytes(1, node('Identity', [prev], 'output'));
  g.bytes(2, 'nerva_mlp');
  dense.forEach((d, i) => {
    g.bytes(5, tensor(`kernel${i}`, [d.inputs, d.units], d.kernel));
    g.bytes(5, tensor(`bias${i}`, [d.units], d.bias));
  });
  g.bytes(11, valueInfo('input', ['N', ...inputShape]));
  g.bytes(12, valueInfo('output', ['N', dense[dense.length - 1].units]));
  return new Writer()
    .int(1, 8) // ir_version 8 (ONNX 1.10+)
    .bytes(2, 'nerva-bench')
    .bytes(7, g)
    .bytes(8, new Writer().bytes(1, '').int(2, 17))
    .finish();
}
