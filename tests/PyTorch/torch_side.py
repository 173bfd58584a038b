"""The PyTorch side of the state_dict tests: builds the torch.nn model that Export-RnnStateDict's help
spells out (its Example 2 is executed as written), and either loads a state_dict PSRnn wrote or saves
one of its own, then writes the model's logits on given tokens as little-endian float32.

usage: torch_side.py HELP.md load|save CELL VOCAB HIDDEN LAYERS EMBEDDING TIED STATE_DICT TOKENS.json LOGITS.bin [SEED]
TOKENS.json is {"steps": s, "batch": b, "tokens": [s * b indices, time-major]}.
"""
import json
import re
import struct
import sys

help_path, mode, cell, vocab, hidden, layers, embedding, tied, state_dict, tokens_path, logits_path = sys.argv[1:12]
help_text = open(help_path, encoding="utf-8").read()
example = re.search(r"### Example 2:.*?```python\n(.*?)```", help_text, re.S).group(1)
exec(example)  # defines torch, nn and PSRnnLanguageModel exactly as the help does

torch.set_num_threads(1)
if mode == "save":
    torch.manual_seed(int(sys.argv[12]))
model = PSRnnLanguageModel(cell, int(vocab), int(hidden), num_layers=int(layers),
                           embedding_size=int(embedding), tie_weights=tied == "tied")
if mode == "load":
    model.load_state_dict(torch.load(state_dict))  # strict: every name and shape must match
else:
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.5, 0.5)  # weights far from zero, biases included, so every tensor matters
    torch.save(model.state_dict(), state_dict)
model.eval()

spec = json.load(open(tokens_path))
tokens = torch.tensor(spec["tokens"], dtype=torch.int64).reshape(spec["steps"], spec["batch"])
with torch.no_grad():
    logits, _ = model(tokens)
values = logits.reshape(-1).tolist()
with open(logits_path, "wb") as f:
    f.write(struct.pack("<%df" % len(values), *values))
print(len(values))
