using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// d2l's concise model: libtorch's fused RNN, GRU or LSTM layer (any depth, dropout between layers)
/// over one-hot inputs, then a Linear layer. Parameters are named "rnn.*" and "output.*".
/// PyTorch's default initialisation, U(−1/√hidden, 1/√hidden) for every parameter (the recurrent
/// layer's rule, and the Linear layer's too since its fan-in is the hidden size), drawn from the
/// model's own generator. On the CPU the RNN and GRU run as sequence kernels on the module's own
/// parameters, so names, shapes and saved models are libtorch's whichever code runs them.
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
        // On the CPU the RNN and GRU run as sequence kernels on the module's own parameters; libtorch's
        // layer still runs the LSTM (through oneDNN, which the kernels do not beat) and CUDA (cuDNN).
        if (Spec.CellType != CellType.Lstm && Device.type == DeviceType.CPU) return RunKernels(inputs, state);
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

    /// <summary>
    /// libtorch's layer equations over its parameters weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
    /// bias_hh_l{k}: input projections of every step at once (a row lookup for one-hot tokens, one
    /// GEMM above), then the kernel; dropout between layers in training mode, as libtorch applies it.
    /// </summary>
    private (Tensor TopHidden, Tensor State) RunKernels(Tensor inputs, Tensor state)
    {
        long steps = inputs.size(0), batch = inputs.size(1);
        var finals = new Tensor[Spec.NumLayers];
        Tensor outputs = null!;
        for (var k = 0; k < Spec.NumLayers; k++)
        {
            Parameter Weight(string name) => rnn.get_parameter($"{name}_l{k}") ?? throw new InvalidOperationException($"{name}_l{k} is missing.");
            var (inputWeight, hiddenWeight, inputBias, hiddenBias) = (Weight("weight_ih"), Weight("weight_hh"), Weight("bias_ih"), Weight("bias_hh"));
            // The RNN's two biases both add to the pre-activation; the GRU's hidden bias sits inside r ⊙ (…).
            var bias = Spec.CellType == CellType.Rnn ? inputBias + hiddenBias : inputBias;
            var projected = k == 0
                ? inputWeight.t().index_select(0, inputs.reshape(-1)).add_(bias)
                : bias.addmm((training && Spec.Dropout > 0 ? nn.functional.dropout(outputs, Spec.Dropout, true) : outputs).reshape(-1, Spec.HiddenSize), inputWeight.t());
            projected = projected.view(steps, batch, -1);
            (outputs, finals[k]) = Spec.CellType == CellType.Rnn
                ? TanhRnnSequence.Run(projected, state[k], hiddenWeight, outByIn: true)
                : GruSequence.Run(projected, state[k], hiddenWeight, hiddenBias, outByIn: true);
        }
        return (outputs, stack(finals));
    }

    public override Tensor Logits(Tensor outputs) =>
        output.call(outputs.reshape(-1, Spec.HiddenSize));
}
