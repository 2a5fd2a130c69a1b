// TensorFlow.js (a devDependency) for interop tests, on its pure-JS cpu backend.

/** Loads TF.js on the cpu backend, without its "install tfjs-node" greeting on the first tensor. */
export async function loadTfjsCpu(): Promise<typeof import('@tensorflow/tfjs')> {
  const log = console.log;
  const warn = console.warn;
  console.log = console.warn = () => undefined;
  try {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    tf.scalar(0);
    return tf;
  } finally {
    console.log = log;
    console.warn = warn;
  }
}
