// Reverse-mode autograd. While any input of an op requires gradients, the op records a GradNode on
// its output; backward() walks those nodes in reverse topological order applying the rules table.
// The graph is ordinary object references, so it is garbage-collected with the tensors.

import type { Tensor, TensorLike } from '../tensor/tensor.js';
import type { GradNode, Prim, PrimParams } from './node.js';
import { isFloat } from '../tensor/dtype.js';
import { ArgumentError } from '../errors.js';
import { GRAD_RULES } from './rules.js';
import * as ops from '../ops/index.js';
import { toTensor } from '../ops/convert.js';

let noGradDepth = 0;

/** @internal Marks `out` as computed by `prim` from `inputs` when gradients flow through them. */
export function record<P extends Prim>(out: Tensor, prim: P, inputs: Tensor[], params: PrimParams[P]): Tensor {
  if (noGradDepth > 0 || !isFloat(out.dtype)) return out;
  for (const t of inputs) {
    if (t.requiresGrad) {
      out.requiresGrad = true;
      out.node = { prim, inputs, params } as GradNode;
      break;
    }
  }
  return out;
}

/**
 * Runs `fn` without recording gradients and returns its result: cheaper when only the values are
 * needed (predict does this).
 * @example const y = noGrad(() => model.predictOnBatch(x));
 */
export function noGrad<T>(fn: () => T): T {
  noGradDepth++;
  try {
    return fn();
  } finally {
    noGradDepth--;
  }
}

/** @internal A fresh leaf sharing `t`'s storage that gradients will flow to. */
export function watch(t: Tensor): Tensor {
  const leaf = ops.identityLeaf(t);
  leaf.requiresGrad = isFloat(t.dtype);
  return leaf;
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long chains of ops) must not overflow the JS stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node ? t.node.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c.requiresGrad && !seen.has(c)) {
        seen.add(c);
        stack.push([c, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order.reverse();
}

/**
 * @internal Gradients of `root` (seeded with `seed`, default ones) with respect to every tensor it
 * depends on through recorded ops. Returns a map from tensor to gradient.
 */
export function backward(root: Tensor, seed?: Tensor): Map<Tensor, Tensor> {
  const grads = new Map<Tensor, Tensor>();
  if (!root.requiresGrad) return grads;
  grads.set(root, seed ?? ops.onesLike(root));
  noGrad(() => {
    for (const t of topoOrder(root)) {
      const node = t.node;
      const dy = grads.get(t);
      if (!node || !dy) continue;
      const rule = GRAD_RULES[node.prim] as (dy: Tensor, inputs: Tensor[], out: Tensor, params: unknown) => (Tensor | null)[];
      const gs = rule(dy, node.inputs, t, node.params);
      node.inputs.forEach((x, i) => {
        const g = gs[i];
        if (!g || !x.requiresGrad) return;
        const gx = g.dtype === x.dtype ? g : ops.cast(g, x.dtype);
        const prev = grads.get(x);
        grads.set(x, prev ? ops.add(prev, gx) : gx);
      });
    }
  });
  return grads;
}

/**
 * `f`'s value and its gradients with respect to each argument (float tensors only; a gradient of
 * an argument `f` does not depend on is zeros).
 * @example const [v, [gx]] = valueAndGrad((x) => x.square().sum())(tensor([1, 2])); // gx = [2, 4]
 */
export function valueAndGrad<A extends TensorLike[]>(f: (...args: Tensor[]) => Tensor): (...args: A) => [Tensor, Tensor[]] {
  return (...args: A) => {
    const leaves = args.map((a) => watch(toTensor(a)));
    const y = f(...leaves);
    if (y.size !== 1) {
      throw new ArgumentError(`valueAndGrad: the function must return a single value, got shape [${y.shape.join(', ')}]`);
    }
    const grads = backward(y);
    return [y, leaves.map((l) => grads.get(l) ?? ops.zerosLike(l))];
  };
}

/**
 * The gradient of a scalar function of one tensor (like tf.grad).
 * @example grad((x) => x.mul(x).sum())(tensor([3])) // Tensor([6.], dtype=float32)
 */
export function grad(f: (x: Tensor) => Tensor): (x: TensorLike) => Tensor {
  const vg = valueAndGrad(f);
  return (x: TensorLike) => vg(x)[1][0];
}

/**
 * The gradients of a scalar function of several tensors (like tf.grads).
 * @example grads((a, b) => a.mul(b).sum())(tensor([2]), tensor([5])) // [[5], [2]]
 */
export function grads(f: (...args: Tensor[]) => Tensor): (...args: TensorLike[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...args: TensorLike[]) => vg(...args)[1];
}
