#!/usr/bin/python3
"""Word-level PyTorch reference for PSRnn's benchmark.

The protocol is pytorch/examples' word_language_model as its README and main.py
publish it, written out here independently:

* each split (train.txt, valid.txt, test.txt) is read line by line, every line
  split on whitespace and followed by '<eos>'; one dictionary over all splits;
* batchify: a split's ids cut into batch_size equal columns (the remainder is
  dropped), time-major [length, batch];
* get_batch(i): rows i .. i+bptt as input, shifted by one as targets; the last
  chunk is shorter;
* model: Embedding -> dropout -> LSTM (dropout between layers) -> dropout ->
  Linear, optionally tied to the embedding; embedding and decoder weights
  U(-0.1, 0.1), decoder bias 0;
* training: hidden state carried (detached) across chunks, plain SGD written
  out (p -= lr * grad), global-norm clipping;
* evaluation: batch 10, state carried across chunks, eval mode; loss per token;
* annealing: after an epoch whose validation loss is not the best so far,
  lr /= 4.

Run with Debian's python3-torch (/usr/bin/python3). --csv prints one row per
epoch on stdout: epoch,train_tokens_per_second,val_loss,val_ppl,lr,elapsed_s.
"""
import argparse
import os
import sys


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', required=True, help='folder with train.txt, valid.txt, test.txt')
    p.add_argument('--model', choices=['LSTM', 'GRU', 'RNN_TANH'], default='LSTM')
    p.add_argument('--emsize', type=int, default=200)
    p.add_argument('--nhid', type=int, default=200)
    p.add_argument('--nlayers', type=int, default=2)
    p.add_argument('--lr', type=float, default=20.0)
    p.add_argument('--clip', type=float, default=0.25)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--batch-size', type=int, default=20)
    p.add_argument('--bptt', type=int, default=35)
    p.add_argument('--dropout', type=float, default=0.2)
    p.add_argument('--tied', action='store_true')
    p.add_argument('--seed', type=int, default=1111)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--max-batches', type=int, default=0, help='stop each epoch after N batches (0: all)')
    p.add_argument('--csv', action='store_true')
    return p.parse_args(argv)


ARGS = parse_args()
if ARGS.threads == 1:
    # Before torch loads its BLAS and OpenMP.
    os.environ['OPENBLAS_NUM_THREADS'] = '1'
    os.environ['OMP_NUM_THREADS'] = '1'

import math      # noqa: E402
import resource  # noqa: E402
import time      # noqa: E402

import torch     # noqa: E402
from torch import nn  # noqa: E402


def read_splits(folder):
    index, splits = {}, {}
    for name in ('train', 'valid', 'test'):
        ids = []
        with open(os.path.join(folder, name + '.txt'), encoding='utf-8') as f:
            for line in f:
                for word in line.split() + ['<eos>']:
                    ids.append(index.setdefault(word, len(index)))
        splits[name] = torch.tensor(ids, dtype=torch.long)
    return splits, len(index)


def columns(ids, batch):
    length = ids.size(0) // batch
    return ids.narrow(0, 0, length * batch).view(batch, -1).t().contiguous()


def chunk(source, i, bptt):
    n = min(bptt, source.size(0) - 1 - i)
    return source[i:i + n], source[i + 1:i + 1 + n].reshape(-1)


class WordModel(nn.Module):
    def __init__(self, kind, vocabulary, emsize, nhid, nlayers, dropout, tied):
        super().__init__()
        self.kind, self.nhid, self.nlayers = kind, nhid, nlayers
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(vocabulary, emsize)
        cell = {'LSTM': nn.LSTM, 'GRU': nn.GRU}.get(kind)
        self.rnn = (cell(emsize, nhid, nlayers, dropout=dropout) if cell
                    else nn.RNN(emsize, nhid, nlayers, nonlinearity='tanh', dropout=dropout))
        self.decoder = nn.Linear(nhid, vocabulary)
        if tied:
            if nhid != emsize:
                raise ValueError('--tied needs --nhid equal to --emsize')
            self.decoder.weight = self.encoder.weight
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, tokens, state):
        out, state = self.rnn(self.drop(self.encoder(tokens)), state)
        return self.decoder(self.drop(out)).view(-1, self.decoder.out_features), state

    def zero_state(self, batch):
        h = torch.zeros(self.nlayers, batch, self.nhid)
        return (h, h.clone()) if self.kind == 'LSTM' else h


def detached(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def evaluate(model, source, bptt, criterion):
    model.eval()
    total, state = 0.0, model.zero_state(source.size(1))
    with torch.no_grad():
        for i in range(0, source.size(0) - 1, bptt):
            inputs, targets = chunk(source, i, bptt)
            logits, state = model(inputs, state)
            total += inputs.size(0) * criterion(logits, targets).item()
    return total / (source.size(0) - 1)


def train_epoch(model, source, args, lr, criterion):
    model.train()
    state, tokens = model.zero_state(args.batch_size), 0
    params = list(model.parameters())
    for batch, i in enumerate(range(0, source.size(0) - 1, args.bptt)):
        if args.max_batches and batch >= args.max_batches:
            break
        inputs, targets = chunk(source, i, args.bptt)
        state = detached(state)
        model.zero_grad()
        logits, state = model(inputs, state)
        loss = criterion(logits, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, args.clip)
        with torch.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-lr)
        tokens += targets.numel()
    return tokens


def main(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    splits, vocabulary = read_splits(args.data)
    train = columns(splits['train'], args.batch_size)
    valid, test = columns(splits['valid'], 10), columns(splits['test'], 10)
    model = WordModel(args.model, vocabulary, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied)
    criterion = nn.CrossEntropyLoss()
    print(f'vocabulary={vocabulary} train={splits["train"].numel()} valid={splits["valid"].numel()} '
          f'test={splits["test"].numel()} parameters={sum(p.numel() for p in model.parameters())}', file=sys.stderr)
    if args.csv:
        print('epoch,train_tokens_per_second,val_loss,val_ppl,lr,elapsed_s', flush=True)
    lr, best, best_state, t0 = args.lr, None, None, time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        tokens = train_epoch(model, train, args, lr, criterion)
        speed = tokens / (time.perf_counter() - start)
        val_loss = evaluate(model, valid, args.bptt, criterion)
        if args.csv:
            print(f'{epoch},{speed:.1f},{val_loss:.6f},{math.exp(val_loss):.4f},{lr:g},{time.perf_counter() - t0:.2f}', flush=True)
        if best is None or val_loss < best:
            best, best_state = val_loss, {k: v.clone() for k, v in model.state_dict().items()}
        else:
            lr /= 4.0
    model.load_state_dict(best_state)
    test_loss = evaluate(model, test, args.bptt, criterion)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'test_loss={test_loss:.6f} test_ppl={math.exp(test_loss):.4f} peak_rss_mib={rss_mib:.1f} '
          f'torch={torch.__version__}', file=sys.stderr)


if __name__ == '__main__':
    main(ARGS)
