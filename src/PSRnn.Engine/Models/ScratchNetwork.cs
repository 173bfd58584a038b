using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// d2l's from-scratch language model for any cell and depth: a stack of <see cref="ScratchCell"/>
/// layers (layer 0 reads one-hot tokens, layer k > 0 reads layer k − 1's hidden states, with dropout
/// in training mode) and the output layer O = H W_hq + b_q of the top layer.
/// Parameter names: layer 0 keeps d2l's (W_xh, W_hh, b_h, ...), layer k > 0 the same prefixed
/// "l{k}.", then W_hq and b_q.
/// </summary>
internal sealed class ScratchNetwork : RecurrentNetwork
{
    private readonly ScratchCell[] layers;
    private readonly Parameter wHq, bQ;

    internal ScratchNetwork(ModelSpec spec, WeightInit init) : base(nameof(ScratchNetwork), spec, init.Device, init.Dtype)
    {
        long v = spec.VocabularySize, h = spec.HiddenSize;
        layers = new ScratchCell[spec.NumLayers];
        for (var k = 0; k < layers.Length; k++)
        {
            layers[k] = ScratchCell.Create(spec.CellType, k == 0 ? v : h, h, init);
            var prefix = k == 0 ? "" : $"l{k}.";
            foreach (var (name, parameter) in layers[k].NamedParameters()) register_parameter(prefix + name, parameter);
        }
        register_parameter("W_hq", wHq = init.Normal(new[] { h, v }));
        register_parameter("b_q", bQ = init.Zeros(v));
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
            var projected = k == 0
                ? layers[0].ProjectTokens(inputs.reshape(-1))
                : layers[k].ProjectFeatures(Spec.Dropout > 0 ? nn.functional.dropout(outputs, Spec.Dropout, training) : outputs);
            outputs = layers[k].Run(projected.view(steps, batch, -1), layerState);
            for (var r = 0; r < rows; r++) final[r * count + k] = layerState[r];
        }
        return (outputs, stack(final));
    }

    public override Tensor Logits(Tensor outputs) =>
        bQ.addmm(outputs.reshape(-1, Spec.HiddenSize), wHq);
}
