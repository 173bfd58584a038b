using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// d2l's concise model: libtorch's fused RNN, GRU or LSTM layer (any depth, dropout between layers)
/// over one-hot inputs or an embedding, then a Linear layer. Parameters are named "embedding.weight"
/// (embedding models), "rnn.*" and "output.*" (a tied model's output has only its bias), as the
/// torch.nn model nn.Embedding + nn.RNN/GRU/LSTM + nn.Linear names them.
/// One-hot models: PyTorch's default initialisation, U(−1/√hidden, 1/√hidden) for every parameter
/// (the recurrent layer's rule, and the Linear layer's too since its fan-in is the hidden size).
/// Embedding models: pytorch/examples' word_language_model rule: embedding and output weights
/// U(−0.1, 0.1), output bias 0, the recurrent layer's default as above. All drawn from the model's
/// own generator. On the CPU every cell runs as sequence kernels on the module's own parameters,
/// so names, shapes and saved models are libtorch's whichever code runs them.
/// </summary>
internal sealed class FusedNetwork : RecurrentNetwork
{
    private readonly nn.Module rnn;
    private readonly Embedding? embedding;
    private readonly nn.Module output;
    // The recurrent layer's parameters per layer, looked up once: the kernels read them every batch.
    private readonly LayerWeights[] layerWeights;

    private readonly record struct LayerWeights(Parameter Input, Parameter Hidden, Parameter InputBias, Parameter HiddenBias);

    internal FusedNetwork(ModelSpec spec, WeightInit init) : base(nameof(FusedNetwork), spec, init.Device, init.Dtype)
    {
        var (dtype, device) = (init.Dtype, init.Device);
        long v = spec.VocabularySize, h = spec.HiddenSize, input = spec.InputSize;
        int layers = spec.NumLayers;
        // libtorch warns about dropout on a single layer, where it has nothing to act on.
        var dropout = layers > 1 ? spec.Dropout : 0;
        rnn = spec.CellType switch
        {
            CellType.Rnn => nn.RNN(input, h, numLayers: layers, dropout: dropout, device: device, dtype: dtype),
            CellType.Gru => nn.GRU(input, h, numLayers: layers, dropout: dropout, device: device, dtype: dtype),
            CellType.Lstm => nn.LSTM(input, h, numLayers: layers, dropout: dropout, device: device, dtype: dtype),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.CellType, "Unknown cell type."),
        };
        if (spec.HasEmbedding) embedding = nn.Embedding(v, spec.EmbeddingSize, device: device, dtype: dtype);
        output = spec.TieWeights ? new TiedOutput(init.Zeros(v)) : nn.Linear(h, v, device: device, dtype: dtype);
        RegisterComponents();
        Parameter Weight(string name, int k) => rnn.get_parameter($"{name}_l{k}") ?? throw new InvalidOperationException($"{name}_l{k} is missing.");
        layerWeights = Enumerable.Range(0, layers)
            .Select(k => new LayerWeights(Weight("weight_ih", k), Weight("weight_hh", k), Weight("bias_ih", k), Weight("bias_hh", k))).ToArray();
        foreach (var parameter in rnn.parameters()) init.Uniform(parameter, 1 / Math.Sqrt(h));
        if (output is Linear linear)
        {
            init.Uniform(linear.weight!, spec.HasEmbedding ? 0.1 : 1 / Math.Sqrt(h));
            if (spec.HasEmbedding) using (no_grad()) linear.bias!.zero_();
            else init.Uniform(linear.bias!, 1 / Math.Sqrt(h));
        }
        if (embedding is not null) init.Uniform(embedding.weight!, 0.1);
    }

    public override (Tensor TopHidden, Tensor State) RunLayers(Tensor inputs, Tensor state)
    {
        // On the CPU every cell runs as sequence kernels on the module's own parameters; libtorch's layer
        // runs CUDA (cuDNN). Not its CPU LSTM: that goes through oneDNN, whose AVX-512 float32 LSTM
        // computed wrong outputs on the Zen 5 EPYC (hidden 200, batch 20: off by 0.07; hidden 16: 0.3;
        // right at 256 and in float64); the kernel runs at 89% of its speed where it is right.
        if (Device.type == DeviceType.CPU) return RunKernels(inputs, state);
        var features = embedding is null
            ? nn.functional.one_hot(inputs, Spec.VocabularySize).to(state.dtype)
            : Drop(embedding.call(inputs));
        switch (rnn)
        {
            case LSTM lstm:
                // The state's rows are h of every layer, then c of every layer: libtorch's (h, c) stacked.
                var layers = Spec.NumLayers;
                var (outputs, h, c) = lstm.call(features, (state.narrow(0, 0, layers), state.narrow(0, layers, layers)));
                return (outputs, cat(new[] { h, c }, 0));
            case GRU gru:
                return gru.call(features, state);
            default:
                return ((RNN)rnn).call(features, state);
        }
    }

    /// <summary>
    /// libtorch's layer equations over its parameters weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
    /// bias_hh_l{k}: input projections of every step at once (a row lookup for one-hot tokens, one
    /// GEMM for embeddings and above), then the kernel; dropout between layers in training mode, as
    /// libtorch applies it.
    /// </summary>
    private (Tensor TopHidden, Tensor State) RunKernels(Tensor inputs, Tensor state)
    {
        long steps = inputs.size(0), batch = inputs.size(1);
        int layers = Spec.NumLayers;
        // State rows: h of every layer, then (LSTM) c of every layer, as libtorch stacks them.
        var finals = new Tensor[layers * Spec.StateRowsPerLayer];
        Tensor outputs = null!;
        for (var k = 0; k < layers; k++)
        {
            var (inputWeight, hiddenWeight, inputBias, hiddenBias) = layerWeights[k];
            // The RNN's and the LSTM's two biases both add to the pre-activation; the GRU's hidden bias sits inside r ⊙ (…).
            var bias = Spec.CellType == CellType.Gru ? inputBias : inputBias + hiddenBias;
            var projected = k > 0 ? bias.addmm(Drop(outputs).reshape(-1, Spec.HiddenSize), inputWeight.t())
                // One-hot tokens select rows of W_ihᵀ: from a row-major copy of it (vocabulary x gates x
                // hidden, small), since rows of the transposed view are strided one element per row of W_ih.
                : embedding is null ? inputWeight.t().contiguous().index_select(0, inputs.reshape(-1)).add_(bias)
                : bias.addmm(Drop(embedding.call(inputs)).reshape(-1, Spec.EmbeddingSize), inputWeight.t());
            projected = projected.view(steps, batch, -1);
            switch (Spec.CellType)
            {
                case CellType.Rnn:
                    (outputs, finals[k]) = TanhRnnSequence.Run(projected, state[k], hiddenWeight, outByIn: true);
                    break;
                case CellType.Gru:
                    (outputs, finals[k]) = GruSequence.Run(projected, state[k], hiddenWeight, hiddenBias, outByIn: true);
                    break;
                default:
                    (outputs, finals[k], finals[layers + k]) = LstmSequence.Run(projected, state[k], state[layers + k], hiddenWeight, outByIn: true, libTorchOrder: true);
                    break;
            }
        }
        return (outputs, stack(finals));
    }

    protected override (Tensor Inputs, Tensor Weight, Tensor Bias, bool OutByIn) OutputLayer(Tensor outputs)
    {
        var features = (embedding is null ? outputs : Drop(outputs)).reshape(-1, Spec.HiddenSize);
        var (weight, bias) = output is Linear linear ? (linear.weight!, linear.bias!) : (embedding!.weight!, ((TiedOutput)output).Bias);
        return (features, weight, bias, true);
    }

    /// <summary>The output layer of a tied model: the embedding matrix is its weight (one tensor, not a copy); only the bias is its own.</summary>
    private sealed class TiedOutput : nn.Module
    {
        public TiedOutput(Parameter bias) : base(nameof(TiedOutput)) => register_parameter("bias", Bias = bias);

        public Parameter Bias { get; }
    }
}
