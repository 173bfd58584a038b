#!/usr/bin/python3
"""PyTorch reference for PSRnn's benchmark.

This script is the side-by-side reference that PSRnn (the PowerShell/TorchSharp
char-level RNN tool) is compared against.  It follows the semantics of the RNN
chapter of *Dive into Deep Learning* (preprocessing, vocabulary, sequential and
random samplers, the from-scratch RNN, gradient clipping, perplexity), written
independently so that every choice is spelled out here:

* lines -> runs of [^A-Za-z] become one space, strip, lowercase; the character
  tokens of all lines are concatenated with no separator between lines;
* vocabulary: '<unk>' at index 0, then tokens by descending frequency, ties
  broken by codepoint order (PSRnn's deterministic rule);
* loss: mean cross-entropy over the batch's T*B tokens (time-major order);
  global-L2-norm gradient clipping; plain SGD; per-epoch perplexity is
  exp(sum(loss * numel) / sum(numel)).

Run with the Debian Python (/usr/bin/python3, package python3-torch).  Use
--csv for one row per epoch on stdout; the summary goes to stderr.
"""
import argparse
import os
import sys


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', choices=['scratch', 'rnn', 'gru', 'lstm'], default='scratch')
    p.add_argument('--hidden', type=int, default=512)
    p.add_argument('--epochs', type=int, default=100)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--num-steps', type=int, default=35)
    p.add_argument('--lr', type=float, default=1.0)
    p.add_argument('--clip', type=float, default=1.0)
    p.add_argument('--max-tokens', type=int, default=10000, help='0 = all tokens')
    p.add_argument('--sampling', choices=['sequential', 'random'], default='sequential')
    p.add_argument('--state-reset', choices=['EveryBatch', 'EveryEpoch'], default=None,
                   help='default: random -> EveryBatch, sequential -> EveryEpoch')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  '..', '..', 'shared', 'data', 'timemachine.txt'),
                   help='timemachine.txt (default: ../shared/data beside the repository)')
    p.add_argument('--csv', action='store_true', help='one CSV row per epoch on stdout')
    p.add_argument('--predict', default=None, help="prefix for a greedy prediction, e.g. 'time traveller'")
    p.add_argument('--predict-length', type=int, default=50)
    args = p.parse_args(argv)
    if args.state_reset is None:
        args.state_reset = 'EveryBatch' if args.sampling == 'random' else 'EveryEpoch'
    return args


ARGS = parse_args()
if ARGS.threads == 1:
    # Must happen before torch (and its OpenBLAS/OpenMP) is loaded.
    os.environ['OPENBLAS_NUM_THREADS'] = '1'
    os.environ['OMP_NUM_THREADS'] = '1'

import math        # noqa: E402
import random      # noqa: E402
import re          # noqa: E402
import resource    # noqa: E402
import statistics  # noqa: E402
import time        # noqa: E402
from collections import Counter  # noqa: E402

import torch                      # noqa: E402
import torch.nn.functional as F   # noqa: E402
from torch import nn              # noqa: E402


# ---------------------------------------------------------------- data
def load_corpus(path, max_tokens):
    with open(path, encoding='utf-8') as f:
        lines = [re.sub('[^A-Za-z]+', ' ', line).strip().lower() for line in f]
    tokens = list(''.join(lines))  # no separator between lines
    if max_tokens > 0:
        tokens = tokens[:max_tokens]
    counts = Counter(tokens)
    # Descending frequency, ties broken by codepoint order of the token
    # (PSRnn's deterministic rule); '<unk>' is always index 0.
    order = sorted(counts, key=lambda t: (-counts[t], t))
    idx_to_token = ['<unk>'] + order
    token_to_idx = {t: i for i, t in enumerate(idx_to_token)}
    return [token_to_idx[t] for t in tokens], idx_to_token, token_to_idx


def seq_batches(corpus, batch, steps, rng):
    offset = rng.randint(0, steps)  # inclusive
    n = ((len(corpus) - offset - 1) // batch) * batch
    Xs = torch.tensor(corpus[offset:offset + n]).reshape(batch, -1)
    Ys = torch.tensor(corpus[offset + 1:offset + 1 + n]).reshape(batch, -1)
    for i in range(Xs.shape[1] // steps):
        s = i * steps
        yield Xs[:, s:s + steps], Ys[:, s:s + steps]


def random_batches(corpus, batch, steps, rng):
    offset = rng.randint(0, steps - 1)
    count = (len(corpus) - offset - 1) // steps
    starts = list(range(offset, offset + count * steps, steps))
    rng.shuffle(starts)
    for i in range(count // batch):
        chunk = starts[i * batch:(i + 1) * batch]
        yield (torch.tensor([corpus[j:j + steps] for j in chunk]),
               torch.tensor([corpus[j + 1:j + 1 + steps] for j in chunk]))


# ---------------------------------------------------------------- models
class ScratchRNN(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.vocab, self.hidden = vocab, hidden
        def w(*shape):
            return nn.Parameter(torch.randn(*shape) * 0.01)
        self.W_xh, self.W_hh = w(vocab, hidden), w(hidden, hidden)
        self.b_h = nn.Parameter(torch.zeros(hidden))
        self.W_hq = w(hidden, vocab)
        self.b_q = nn.Parameter(torch.zeros(vocab))

    def begin_state(self, batch):
        return (torch.zeros(batch, self.hidden),)

    def forward(self, X, state):  # X: (B, T) indices
        inputs = F.one_hot(X.T, self.vocab).float()  # (T, B, V)
        H, = state
        outputs = []
        for x in inputs:
            H = torch.tanh(x @ self.W_xh + H @ self.W_hh + self.b_h)
            outputs.append(H @ self.W_hq + self.b_q)
        return torch.cat(outputs, dim=0), (H,)  # (T*B, V)


class FusedRNN(nn.Module):
    def __init__(self, kind, vocab, hidden):
        super().__init__()
        self.kind, self.vocab, self.hidden = kind, vocab, hidden
        self.rnn = {'rnn': nn.RNN, 'gru': nn.GRU, 'lstm': nn.LSTM}[kind](vocab, hidden)
        self.linear = nn.Linear(hidden, vocab)

    def begin_state(self, batch):
        h = torch.zeros(1, batch, self.hidden)
        return (h, torch.zeros_like(h)) if self.kind == 'lstm' else h

    def forward(self, X, state):
        Y, state = self.rnn(F.one_hot(X.T, self.vocab).float(), state)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


# ---------------------------------------------------------------- training
def clip_gradients(params, theta):
    norm = torch.sqrt(sum(torch.sum(p.grad ** 2) for p in params))
    if norm > theta:
        for p in params:
            p.grad.mul_(theta / norm)


def train_epoch(model, batches, args, params, opt):
    total_loss, total_n, state = 0.0, 0, None
    for X, Y in batches:
        if state is None or args.state_reset == 'EveryBatch':
            state = model.begin_state(X.shape[0])
        else:
            state = detach(state)
        out, state = model(X, state)
        y = Y.T.reshape(-1)
        loss = F.cross_entropy(out, y)  # mean over T*B
        for p in params:
            p.grad = None
        loss.backward()
        clip_gradients(params, args.clip)
        if opt:
            opt.step()
        else:
            with torch.no_grad():
                for p in params:
                    p -= args.lr * p.grad
        total_loss += loss.item() * y.numel()
        total_n += y.numel()
    return total_loss / total_n, total_n


def predict(prefix, length, model, token_to_idx, idx_to_token):
    state = model.begin_state(1)
    outputs = [token_to_idx.get(prefix[0], 0)]
    with torch.no_grad():
        for ch in prefix[1:]:  # warm-up over the prefix
            _, state = model(torch.tensor([[outputs[-1]]]), state)
            outputs.append(token_to_idx.get(ch, 0))
        for _ in range(length):
            out, state = model(torch.tensor([[outputs[-1]]]), state)
            outputs.append(int(out.argmax(dim=1)))
    return ''.join(idx_to_token[i] for i in outputs)


def main(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    corpus, idx_to_token, token_to_idx = load_corpus(args.data, args.max_tokens)
    V = len(idx_to_token)
    model = (ScratchRNN(V, args.hidden) if args.model == 'scratch'
             else FusedRNN(args.model, V, args.hidden))
    params = [p for p in model.parameters()]
    opt = None if args.model == 'scratch' else torch.optim.SGD(params, lr=args.lr)
    sampler = seq_batches if args.sampling == 'sequential' else random_batches
    print(f'tokens={len(corpus)} vocab={V} order={idx_to_token[:10]}', file=sys.stderr)
    if args.csv:
        print('epoch,perplexity,loss,tokens_per_second,elapsed_s', flush=True)
    t0, ppl, speeds = time.perf_counter(), float('nan'), []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        loss, n = train_epoch(model, sampler(corpus, args.batch_size, args.num_steps, rng),
                              args, params, opt)
        now = time.perf_counter()
        ppl, speed = math.exp(loss), n / (now - start)
        speeds.append(speed)
        if args.csv:
            print(f'{epoch},{ppl:.6f},{loss:.6f},{speed:.1f},{now - t0:.3f}', flush=True)
    if args.predict:
        text = predict(args.predict, args.predict_length, model, token_to_idx, idx_to_token)
        print(text, file=sys.stderr if args.csv else sys.stdout)  # keep --csv stdout parseable
    median = statistics.median(speeds) if speeds else float('nan')
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f'model={args.model} hidden={args.hidden} epochs={args.epochs} threads={args.threads} '
          f'perplexity={ppl:.4f} median_tokens_per_second={median:.1f} '
          f'elapsed_s={time.perf_counter() - t0:.2f} peak_rss_mib={rss_mib:.1f} '
          f'torch={torch.__version__}', file=sys.stderr)


if __name__ == '__main__':
    main(ARGS)
