using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// d2l's concise model: libtorch's fused RNN, GRU or LSTM layer (any depth, dropout between layers)
/// over one-hot inputs, then a Linear layer. Parameters are named "rnn.*" and "output.*".
/// PyTorch's default initialisation, U(−1/√hidden, 1/√hidden) for every parameter (the recurrent
/// layer's rule, and the Linear layer's too since its fan-in is the hidden size), drawn from the
/// model's own generator.
/// </summary>
internal sealed class FusedNetwork : RecurrentNetwork
{
    private readonly nn.Module rnn;
    private readonly Linear output;

    internal FusedNetwork(ModelSpec spec, WeightInit init) : base(nameof(FusedNetwork), spec, init.Device, init.Dtype)
    {
        var (dtype, device) = (init.Dtype, init.Device);
        long v = spec.VocabularySize, h = spec.HiddenSize;
        int layers = spec.NumLayers;
        // libtorch warns about dropout on a single layer, where it has nothing to act on.
        var dropout = layers > 1 ? spec.Dropout : 0;
        rnn = spec.CellType switch
        {
            CellType.Rnn => nn.RNN(v, h, numLayers: layers, dropout: dropout, device: device, dtype: dtype),
            CellType.Gru => nn.GRU(v, h, numLayers: layers, dropout: dropout, device: device, dtype: dtype),
            CellType.Lstm => nn.LSTM(v, h, numLayers: layers, dropout: dropout, device: device, dtype: dtype),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.CellType, "Unknown cell type."),
        };
        output = nn.Linear(h, v, device: device, dtype: dtype);
        RegisterComponents();
        foreach (var parameter in parameters()) init.Uniform(parameter, 1 / Math.Sqrt(h));
    }

    public override (Tensor TopHidden, Tensor State) RunLayers(Tensor inputs, Tensor state)
    {
        var oneHot = nn.functional.one_hot(inputs, Spec.VocabularySize).to(state.dtype);
        switch (rnn)
        {
            case LSTM lstm:
                // The state's rows are h of every layer, then c of every layer: libtorch's (h, c) stacked.
                var layers = Spec.NumLayers;
                var (outputs, h, c) = lstm.call(oneHot, (state.narrow(0, 0, layers), state.narrow(0, layers, layers)));
                return (outputs, cat(new[] { h, c }, 0));
            case GRU gru:
                return gru.call(oneHot, state);
            default:
                return ((RNN)rnn).call(oneHot, state);
        }
    }

    public override Tensor Logits(Tensor outputs) =>
        output.call(outputs.reshape(-1, Spec.HiddenSize));
}
