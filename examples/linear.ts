// Workflow 1: a one-neuron network learns y = 2x - 1 (the Keras "hello world"), line for line.
import { Sequential, layers, setSeed } from 'nerva';

setSeed(42);
const model = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
model.compile({ loss: 'mean_squared_error', optimizer: 'sgd' });
const xs = [-1.0, 0.0, 1.0, 2.0, 3.0, 4.0];
const ys = [-3.0, -1.0, 1.0, 3.0, 5.0, 7.0];
await model.fit(xs, ys, { epochs: 500 });
console.log(model.predict([5.0]).toString()); // about 8.99: the network has learned roughly 2x - 1
