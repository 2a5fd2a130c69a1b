# The FastAPI + uvicorn + PyTorch column of `npm run bench:serve`: what a backend developer would
# otherwise write to serve the MNIST MLP. It loads the weights nerva saved (TensorFlow.js layers
# format: model.json + weights file), builds the same Flatten / Dense stack in PyTorch and answers
# TF Serving's predict body. Run by bench/serve.ts with Debian's /usr/bin/python3:
#   python3 bench/fastapi_server.py MODEL_DIR PORT [WORKERS]
import json
import os
import sys
import numpy as np
import torch
from fastapi import FastAPI, Request

# Two uvicorn worker processes on two cores: one thread each, as a production setup would.
torch.set_num_threads(1)


def load_tfjs_layers(model_dir):
    """A torch.nn.Sequential from a TF.js layers model of Flatten / Dense layers."""
    with open(os.path.join(model_dir, 'model.json')) as f:
        art = json.load(f)
    blobs = b''.join(open(os.path.join(model_dir, p), 'rb').read() for g in art['weightsManifest'] for p in g['paths'])
    specs = [w for g in art['weightsManifest'] for w in g['weights']]
    weights, at = {}, 0
    for w in specs:
        assert w['dtype'] == 'float32', w
        n = int(np.prod(w['shape'])) if w['shape'] else 1
        weights[w['name']] = np.frombuffer(blobs, dtype='<f4', count=n, offset=at).reshape(w['shape'])
        at += 4 * n
    layers, features = [], None
    for layer in art['modelTopology']['config']['layers']:
        cls, cfg = layer['class_name'], layer['config']
        if 'batch_input_shape' in cfg:
            features = int(np.prod(cfg['batch_input_shape'][1:]))
        if cls == 'Flatten':
            layers.append(torch.nn.Flatten())
        elif cls == 'Dense':
            lin = torch.nn.Linear(features, cfg['units'], bias=cfg.get('use_bias', True))
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(weights[f"{cfg['name']}/kernel"].T.copy()))
                if lin.bias is not None:
                    lin.bias.copy_(torch.from_numpy(weights[f"{cfg['name']}/bias"].copy()))
            layers.append(lin)
            act = cfg.get('activation', 'linear')
            if act == 'relu':
                layers.append(torch.nn.ReLU())
            elif act == 'softmax':
                layers.append(torch.nn.Softmax(dim=-1))
            elif act != 'linear':
                raise ValueError(f'activation {act} not handled by the bench server')
            features = cfg['units']
        else:
            raise ValueError(f'layer {cls} not handled by the bench server')
    return torch.nn.Sequential(*layers).eval()


model = load_tfjs_layers(os.environ['NERVA_BENCH_MODEL']) if 'NERVA_BENCH_MODEL' in os.environ else None
app = FastAPI()


@app.get('/v1/models/{name}')
async def status(name: str):
    return {'model_version_status': [{'version': '1', 'state': 'AVAILABLE'}]}


@app.post('/v1/models/{name}:predict')
async def predict(name: str, request: Request):
    # The body as plain JSON: a pydantic model (List[List[List[float]]]) validating every number
    # made this server about 25x slower on 32-image requests, a baseline too weak to be fair.
    body = await request.json()
    x = torch.tensor(body['instances'], dtype=torch.float32)
    with torch.inference_mode():
        y = model(x)
    return {'predictions': y.tolist()}


if __name__ == '__main__':
    import uvicorn

    model_dir, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    os.environ['NERVA_BENCH_MODEL'] = os.path.abspath(model_dir)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    uvicorn.run('fastapi_server:app', host='127.0.0.1', port=port, workers=workers, log_level='warning', access_log=False)
