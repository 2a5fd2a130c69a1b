# The PyTorch side of bench/conv.ts: the Keras "simple MNIST convnet" (conv 32 3x3 relu, maxpool 2,
# conv 64 3x3 relu, maxpool 2, flatten, dropout 0.5, dense 10) trained with Adam at batch 128, in
# PyTorch's default NCHW layout. Serves on stdin/stdout so that bench/conv.ts can alternate it with
# nerva rep by rep: "hello" -> {"version"}, "train STEPS THREADS" -> {"msPerStep", "cpuMsPerStep"}
# (wall and process CPU time).
import json, sys, time
import torch

torch.manual_seed(1)
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(1600, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
loss_fn = torch.nn.CrossEntropyLoss()
# Random images and labels: the speed of a step does not depend on the values.
xs = torch.rand(20, 128, 1, 28, 28)
ys = torch.randint(0, 10, (20, 128))

def train(steps):
    for s in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(xs[s % 20]), ys[s % 20])
        loss.backward()
        opt.step()
        loss.item()

for line in sys.stdin:
    cmd = line.split()
    if not cmd:
        break
    if cmd[0] == 'hello':
        torch.set_num_threads(2)
        train(5)
        print(json.dumps({'version': torch.__version__}), flush=True)
    elif cmd[0] == 'train':
        torch.set_num_threads(int(cmd[2]))
        train(1)
        t0, c0 = time.perf_counter(), time.process_time()
        train(int(cmd[1]))
        steps = int(cmd[1])
        print(json.dumps({'msPerStep': (time.perf_counter() - t0) * 1000 / steps,
                          'cpuMsPerStep': (time.process_time() - c0) * 1000 / steps}), flush=True)
    else:
        break
