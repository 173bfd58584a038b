using PSRnn.Engine.Models;
using static TorchSharp.torch;

namespace PSRnn.Engine.Persistence;

/// <summary>
/// A model's weights under the names and shapes of the torch.nn model the help of Export-RnnStateDict
/// spells out: nn.Embedding named "embedding" (embedding models), nn.RNN, nn.GRU or nn.LSTM named "rnn"
/// over the embedding or one-hot inputs, then nn.Linear named "output". A fused network already is that
/// model, but for a tied one's output.weight, which PyTorch's state_dict lists although it is the
/// embedding's tensor: it is written as a copy, and on the way in must equal embedding.weight. Scratch
/// W_emb is embedding.weight. A scratch RNN or LSTM is the same function in another
/// layout: per layer, weight_ih_l{k} stacks the W_x* of every gate transposed, in PyTorch's gate order
/// (LSTM: i, f, g = C~, o), weight_hh_l{k} the W_h* likewise, bias_ih_l{k} the b_*, and bias_hh_l{k} is
/// zero (PyTorch adds the two biases, so on the way in their sum becomes b_*); output.weight is W_hqᵀ and
/// output.bias is b_q. A scratch GRU has no such mapping (d2l resets H before the hidden matmul,
/// nn.GRU after it), so it is refused rather than exported as a different function.
/// </summary>
internal static class PyTorchLayout
{
    /// <summary>The scratch gate letters in PyTorch's order of the stacked gate blocks.</summary>
    private static string TorchGateOrder(CellType cell) => cell switch
    {
        CellType.Rnn => "h",
        CellType.Lstm => "ifco",
        _ => throw new NoTorchEquivalentException(
            "A scratch GRU has no torch.nn equivalent: d2l's GRU applies the reset gate to H before the hidden matmul, torch.nn.GRU to the product after it, " +
            "so the same weights compute different functions and an export would load into PyTorch as a different model. " +
            "Export a fused GRU (New-RnnModel -CellType Gru -Implementation Fused), or a scratch RNN or LSTM, which map exactly."),
    };

    /// <summary>Refuses, before any work, a model whose weights have no torch.nn counterpart.</summary>
    public static void RequireMapping(ModelSpec spec)
    {
        if (spec.Implementation == Implementation.Scratch) TorchGateOrder(spec.CellType);
    }

    /// <summary>The model's weights in PyTorch's names and layout: new contiguous CPU float32 tensors the caller disposes.</summary>
    public static Dictionary<string, Tensor> Export(ModelSpec spec, IReadOnlyDictionary<string, Tensor> own)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var torch = new Dictionary<string, Tensor>();
        if (spec.Implementation == Implementation.Fused)
        {
            foreach (var (name, value) in own) torch[name] = Portable(value);
            if (spec.TieWeights) torch[OutputWeight] = Portable(own[Embedding]);
            return Keep(Ordered(torch));
        }
        if (spec.HasEmbedding) torch[Embedding] = Portable(own["W_emb"]);
        var gates = TorchGateOrder(spec.CellType);
        for (var k = 0; k < spec.NumLayers; k++)
        {
            var prefix = LayerPrefix(k);
            torch[$"rnn.weight_ih_l{k}"] = Portable(cat(gates.Select(g => own[$"{prefix}W_x{g}"].t()).ToArray(), 0));
            torch[$"rnn.weight_hh_l{k}"] = Portable(cat(gates.Select(g => own[$"{prefix}W_h{g}"].t()).ToArray(), 0));
            torch[$"rnn.bias_ih_l{k}"] = Portable(cat(gates.Select(g => own[$"{prefix}b_{g}"]).ToArray(), 0));
            torch[$"rnn.bias_hh_l{k}"] = zeros(gates.Length * (long)spec.HiddenSize, ScalarType.Float32);
        }
        torch[OutputWeight] = Portable(spec.TieWeights ? own["W_emb"] : own["W_hq"].t());
        torch["output.bias"] = Portable(own["b_q"]);
        return Keep(torch);
    }

    private const string Embedding = "embedding.weight", OutputWeight = "output.weight";

    /// <summary>PyTorch's order: the embedding, the recurrent layer, the output layer's weight before its bias.</summary>
    private static Dictionary<string, Tensor> Ordered(Dictionary<string, Tensor> tensors) =>
        tensors.OrderBy(p => p.Key == Embedding ? 0 : p.Key.StartsWith("rnn.", StringComparison.Ordinal) ? 1 : p.Key == OutputWeight ? 2 : 3)
            .ToDictionary(p => p.Key, p => p.Value);

    /// <summary>
    /// The values of the model's own parameters (by their names) for tensors in PyTorch's layout whose
    /// names and shapes were checked against <see cref="Export"/>'s; new tensors the caller disposes.
    /// </summary>
    public static Dictionary<string, Tensor> Import(ModelSpec spec, IReadOnlyDictionary<string, Tensor> torch)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var own = new Dictionary<string, Tensor>();
        if (spec.TieWeights) RequireTied(torch);
        if (spec.Implementation == Implementation.Fused)
        {
            foreach (var (name, value) in torch)
                if (!(spec.TieWeights && name == OutputWeight)) own[name] = Portable(value);
            return Keep(own);
        }
        if (spec.HasEmbedding) own["W_emb"] = Portable(torch[Embedding]);
        var gates = TorchGateOrder(spec.CellType);
        long h = spec.HiddenSize;
        for (var k = 0; k < spec.NumLayers; k++)
        {
            var prefix = LayerPrefix(k);
            var (wIh, wHh) = (torch[$"rnn.weight_ih_l{k}"], torch[$"rnn.weight_hh_l{k}"]);
            var bias = torch[$"rnn.bias_ih_l{k}"] + torch[$"rnn.bias_hh_l{k}"];
            for (var i = 0; i < gates.Length; i++)
            {
                own[$"{prefix}W_x{gates[i]}"] = Portable(wIh.narrow(0, i * h, h).t());
                own[$"{prefix}W_h{gates[i]}"] = Portable(wHh.narrow(0, i * h, h).t());
                own[$"{prefix}b_{gates[i]}"] = Portable(bias.narrow(0, i * h, h));
            }
        }
        if (!spec.TieWeights) own["W_hq"] = Portable(torch[OutputWeight].t());
        own["b_q"] = Portable(torch["output.bias"]);
        return Keep(own);
    }

    /// <summary>A tied model holds one matrix: a file whose output weight is another cannot be loaded into it faithfully.</summary>
    private static void RequireTied(IReadOnlyDictionary<string, Tensor> torch)
    {
        if (!torch[OutputWeight].to(ScalarType.Float32).allclose(torch[Embedding].to(ScalarType.Float32), rtol: 0, atol: 0))
            throw new StateDictMismatchException(OutputWeight,
                "This model ties its output layer to its embedding (-TieWeights), but the file's output.weight differs from its embedding.weight: " +
                "its weights come from an untied model. Build the PSRnn model without -TieWeights to import it.");
    }

    private static string LayerPrefix(int layer) => layer == 0 ? "" : $"l{layer}.";

    /// <summary>Takes the results out of the dispose scope that frees the intermediate tensors.</summary>
    private static Dictionary<string, Tensor> Keep(Dictionary<string, Tensor> tensors)
    {
        foreach (var tensor in tensors.Values) tensor.MoveToOuterDisposeScope();
        return tensors;
    }

    /// <summary>A detached, contiguous float32 copy on the CPU: what a pickled tensor must be.</summary>
    private static Tensor Portable(Tensor value) => value.detach().to(ScalarType.Float32, CPU).contiguous().clone();
}
