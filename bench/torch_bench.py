# The PyTorch column of `npm run bench`: the same MNIST model and measures, one thread.
# Run by bench/bench.ts with Debian's /usr/bin/python3 (which sees python3-torch).
import json, statistics, sys, time
import numpy as np
import torch

torch.set_num_threads(1)
data_dir = sys.argv[1]
quick = '--quick' in sys.argv[2:]
# --serve: after the measures, keep the model and answer lines on stdin so that bench.ts can
# alternate PyTorch with nerva: "train N" -> milliseconds per step of N more steps; "epoch" ->
# milliseconds (wall and CPU) of a full epoch (1875 steps of batch 32, then validation on the 10k
# test images).
serve = '--serve' in sys.argv[2:]
reps = 3 if quick else 5

def idx(path):
    raw = open(path, 'rb').read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)

x_train = torch.tensor(idx(f'{data_dir}/train-images-idx3-ubyte') / 255.0, dtype=torch.float32)
y_train = torch.tensor(idx(f'{data_dir}/train-labels-idx1-ubyte').astype(np.int64))
x_test = torch.tensor(idx(f'{data_dir}/t10k-images-idx3-ubyte') / 255.0, dtype=torch.float32)
y_test = torch.tensor(idx(f'{data_dir}/t10k-labels-idx1-ubyte').astype(np.int64))

def time_it(fn, min_s=0.1, n=reps):
    fn()
    out = []
    for _ in range(n):
        calls, t0 = 0, time.perf_counter()
        while True:
            fn(); calls += 1
            if time.perf_counter() - t0 >= min_s: break
        out.append((time.perf_counter() - t0) / calls)
    return statistics.median(out)

rows = []
for name, m, k, n, ta, tb in [
    ('matMul [32x784]x[784x128]', 32, 784, 128, False, False),
    ('matMul dW x^T dy [784x32]x[32x128]', 784, 32, 128, True, False),
    ('matMul [32x128]x[128x10]', 32, 128, 10, False, False),
    ('matMul 512^3', 512, 512, 512, False, False),
    ('matMul 1024^3', 1024, 1024, 1024, False, False),
]:
    a = torch.rand(k, m) if ta else torch.rand(m, k)
    b = torch.rand(n, k) if tb else torch.rand(k, n)
    f = (lambda a=a, b=b, ta=ta, tb=tb: (a.t() if ta else a) @ (b.t() if tb else b))
    rows.append((name, 2 * m * k * n / time_it(f) / 1e9))

model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
loss_fn = torch.nn.CrossEntropyLoss()

def train(steps):
    perm = torch.randperm(60000)
    for s in range(steps):
        i = perm[s * 32:(s + 1) * 32]
        xb, yb = x_train[i], y_train[i]
        opt.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        opt.step()
        (out.argmax(1) == yb).float().sum().item()

def evaluate():
    with torch.no_grad():
        for s in range(0, 10000, 32):
            out = model(x_test[s:s + 32])
            loss_fn(out, y_test[s:s + 32]).item()

train(50)
steps = 600
train_s = statistics.median([(lambda t0: (train(steps), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(reps)])
t0 = time.perf_counter(); evaluate(); eval_s = time.perf_counter() - t0
rows.append(('MNIST train, s/epoch (1875 steps + validation)', train_s / steps * 1875 + eval_s))
with torch.no_grad():
    # One batch of 10000: PyTorch's fastest way here (its BLAS likes large products).
    def pred():
        torch.softmax(model(x_test), 1).numpy()
    rows.append(('predict 10k test images, samples/s (nerva: default options)', 10000 / time_it(pred, 0, 3)))
    one = x_test[:1]
    lat = []
    for i in range(1100):
        t0 = time.perf_counter(); torch.softmax(model(one), 1).numpy()
        if i >= 100: lat.append(time.perf_counter() - t0)
    rows.append(('single-sample predict latency, µs (median of 1000)', statistics.median(lat) * 1e6))
print(json.dumps({'version': torch.__version__, 'rows': rows}), flush=True)
if serve:
    for line in sys.stdin:
        cmd = line.split()
        if cmd and cmd[0] == 'train':
            t0 = time.perf_counter(); train(int(cmd[1]))
            print(json.dumps({'ms': (time.perf_counter() - t0) * 1000 / int(cmd[1])}), flush=True)
        elif cmd and cmd[0] == 'epoch':
            t0 = time.perf_counter(); c0 = time.process_time(); train(1875); evaluate()
            print(json.dumps({'ms': (time.perf_counter() - t0) * 1000, 'cpuMs': (time.process_time() - c0) * 1000}), flush=True)
        else:
            break
