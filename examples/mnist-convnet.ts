// The Keras "simple MNIST convnet" (keras-io examples/vision/mnist_convnet.py), line for line:
// about 99% test accuracy after 15 epochs. `npm run example:convnet`.
import { Sequential, layers, datasets, utils } from 'nerva';

// Model / data parameters
const numClasses = 10;
const inputShape = [28, 28, 1];

// Load the data and split it between train and test sets
let [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();

// Scale images to the [0, 1] range
xTrain = xTrain.cast('float32').div(255);
xTest = xTest.cast('float32').div(255);
// Make sure images have shape (28, 28, 1)
xTrain = xTrain.expandDims(-1);
xTest = xTest.expandDims(-1);
console.log('x_train shape:', xTrain.shape);
console.log(xTrain.shape[0], 'train samples');
console.log(xTest.shape[0], 'test samples');

// convert class vectors to binary class matrices
const yTrainOneHot = utils.toCategorical(yTrain, numClasses);
const yTestOneHot = utils.toCategorical(yTest, numClasses);

const model = new Sequential([
  layers.input({ shape: inputShape }),
  layers.conv2d({ filters: 32, kernelSize: [3, 3], activation: 'relu' }),
  layers.maxPooling2d({ poolSize: [2, 2] }),
  layers.conv2d({ filters: 64, kernelSize: [3, 3], activation: 'relu' }),
  layers.maxPooling2d({ poolSize: [2, 2] }),
  layers.flatten(),
  layers.dropout({ rate: 0.5 }),
  layers.dense({ units: numClasses, activation: 'softmax' }),
]);
model.summary();

const batchSize = 128;
const epochs = 15;
model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
await model.fit(xTrain, yTrainOneHot, { batchSize, epochs, validationSplit: 0.1 });

const score = model.evaluate(xTest, yTestOneHot, { verbose: 0 });
console.log('Test loss:', score.loss);
console.log('Test accuracy:', score.accuracy);
