using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// d2l's from-scratch language model for any cell and depth: a stack of <see cref="ScratchCell"/>
/// layers (layer 0 reads one-hot tokens or, in an embedding model, rows of W_emb; layer k > 0 reads
/// layer k − 1's hidden states, with dropout in training mode) and the output layer
/// O = H W_hq + b_q of the top layer (tied: O = H W_embᵀ + b_q).
/// Parameter names: W_emb (embedding models), then layer 0 keeps d2l's (W_xh, W_hh, b_h, ...),
/// layer k > 0 the same prefixed "l{k}.", then W_hq (untied) and b_q.
/// One-hot models: d2l's N(0, 0.01²) weights and zero biases. Embedding models: pytorch/examples'
/// rule, W_emb and W_hq U(−0.1, 0.1), b_q 0, recurrent weights and biases libtorch's default
/// U(−1/√hidden, 1/√hidden).
/// </summary>
internal sealed class ScratchNetwork : RecurrentNetwork
{
    private readonly ScratchCell[] layers;
    private readonly Parameter? wEmb, wHq;
    private readonly Parameter bQ;

    internal ScratchNetwork(ModelSpec spec, WeightInit init) : base(nameof(ScratchNetwork), spec, init.Device, init.Dtype)
    {
        long v = spec.VocabularySize, h = spec.HiddenSize;
        if (spec.HasEmbedding) register_parameter("W_emb", wEmb = init.Normal(new[] { v, (long)spec.EmbeddingSize }));
        layers = new ScratchCell[spec.NumLayers];
        for (var k = 0; k < layers.Length; k++)
        {
            layers[k] = ScratchCell.Create(spec.CellType, k == 0 ? spec.InputSize : h, h, init);
            var prefix = k == 0 ? "" : $"l{k}.";
            foreach (var (name, parameter) in layers[k].NamedParameters())
            {
                register_parameter(prefix + name, parameter);
                if (spec.HasEmbedding) init.Uniform(parameter, 1 / Math.Sqrt(h));
            }
        }
        if (!spec.TieWeights) register_parameter("W_hq", wHq = init.Normal(new[] { h, v }));
        register_parameter("b_q", bQ = init.Zeros(v));
        if (wEmb is not null) init.Uniform(wEmb, 0.1);
        if (wEmb is not null && wHq is not null) init.Uniform(wHq, 0.1);
    }

    public override (Tensor TopHidden, Tensor State) RunLayers(Tensor inputs, Tensor state)
    {
        long steps = inputs.size(0), batch = inputs.size(1);
        int count = layers.Length, rows = Spec.StateRowsPerLayer;
        var final = new Tensor[count * rows];
        var layerState = new Tensor[rows];
        Tensor outputs = null!;
        for (var k = 0; k < count; k++)
        {
            // State row r * layers + k holds row r (h, then c for LSTM) of layer k.
            for (var r = 0; r < rows; r++) layerState[r] = state[r * count + k];
            var projected = k > 0 ? layers[k].ProjectFeatures(Drop(outputs))
                : wEmb is null ? layers[0].ProjectTokens(inputs.reshape(-1))
                : layers[0].ProjectFeatures(Drop(wEmb.index_select(0, inputs.reshape(-1))));
            outputs = layers[k].Run(projected.view(steps, batch, -1), layerState);
            for (var r = 0; r < rows; r++) final[r * count + k] = layerState[r];
        }
        return (outputs, stack(final));
    }

    protected override (Tensor Inputs, Tensor Weight, Tensor Bias, bool OutByIn) OutputLayer(Tensor outputs) =>
        ((wEmb is null ? outputs : Drop(outputs)).reshape(-1, Spec.HiddenSize), wHq ?? wEmb!, bQ, wHq is null);
}
