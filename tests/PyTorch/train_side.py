"""The PyTorch side of the training test: the model of Export-RnnStateDict's help (its Example 2,
executed as written) loaded from the state_dict PSRnn wrote before training, then one epoch of
pytorch/examples' word_language_model loop over the minibatches of PSRnn's sequential cut, and the
weights saved as a state_dict.

The loop, as pytorch/examples' main.py runs it: the state starts at zeros and is carried across
minibatches, detached; per minibatch zero_grad, mean cross-entropy, backward, clip_grad_norm_ and
p -= lr * grad. The cut, as PSRnn's: from the epoch's offset, batch streams of equal length side by
side (time-major), each target the corpus's next token, whole minibatches of `steps` only.

usage: train_side.py HELP.md CELL VOCAB HIDDEN LAYERS EMBEDDING TIED INIT.pt SPEC.json OUT.pt
SPEC.json is {"tokens": [...], "offset": o, "batch": b, "steps": s, "lr": r, "clip": c}.
"""
import json
import re
import sys

help_path, cell, vocab, hidden, layers, embedding, tied, init_path, spec_path, out_path = sys.argv[1:11]
help_text = open(help_path, encoding="utf-8").read()
example = re.search(r"### Example 2:.*?```python\n(.*?)```", help_text, re.S).group(1)
exec(example)  # defines torch, nn and PSRnnLanguageModel exactly as the help does

torch.set_num_threads(1)
model = PSRnnLanguageModel(cell, int(vocab), int(hidden), num_layers=int(layers),
                           embedding_size=int(embedding), tie_weights=tied == "tied")
model.load_state_dict(torch.load(init_path))
spec = json.load(open(spec_path))
corpus = torch.tensor(spec["tokens"], dtype=torch.int64)
offset, batch, steps = spec["offset"], spec["batch"], spec["steps"]
row = (corpus.numel() - offset - 1) // batch
inputs = corpus[offset:offset + batch * row].view(batch, row).t()
targets = corpus[offset + 1:offset + 1 + batch * row].view(batch, row).t()

model.train()
parameters = list(model.parameters())
criterion = nn.CrossEntropyLoss()
state = None
for k in range(row // steps):
    if state is not None:
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
    model.zero_grad()
    logits, state = model(inputs[k * steps:(k + 1) * steps], state)
    loss = criterion(logits, targets[k * steps:(k + 1) * steps].reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(parameters, spec["clip"])
    with torch.no_grad():
        for p in parameters:
            p.add_(p.grad, alpha=-spec["lr"])
torch.save(model.state_dict(), out_path)
print(row // steps)
