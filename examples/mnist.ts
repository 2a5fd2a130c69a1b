// Workflow 2: the Keras MNIST tutorial, line for line, then the tutorial's prediction picture.
import { Sequential, layers, datasets, viz } from 'nerva';

const [[xTrainRaw, yTrain], [xTestRaw, yTest]] = datasets.mnist.loadData();
const [xTrain, xTest] = [xTrainRaw.div(255), xTestRaw.div(255)]; // scale pixels to 0..1

const model = new Sequential([
  layers.flatten({ inputShape: [28, 28] }), // 28x28 -> 784
  layers.dense({ units: 128, activation: 'relu' }), // hidden layer
  layers.dense({ units: 10, activation: 'softmax' }), // one probability per digit
]);
model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
const history = await model.fit(xTrain, yTrain, { epochs: 5, batchSize: 32, validationData: [xTest, yTest] });
const predictions = model.predict(xTest);

console.log(history.history);
const picture = viz.displayPrediction(100, predictions, yTest, xTestRaw, { file: 'out/example-prediction.png' });
console.log(`test image 100: ${picture.caption} -> out/example-prediction.png`);
