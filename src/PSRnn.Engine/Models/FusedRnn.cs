using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>d2l's concise RNN: libtorch's fused recurrent layer over one-hot inputs, then a Linear layer.</summary>
public sealed class FusedRnn : RecurrentNetwork
{
    private readonly RNN rnn;
    private readonly Linear output;

    public FusedRnn(ModelSpec spec, ScalarType dtype, Device device) : base(nameof(FusedRnn), spec)
    {
        rnn = nn.RNN(spec.VocabularySize, spec.HiddenSize, numLayers: spec.NumLayers, device: device, dtype: dtype);
        output = nn.Linear(spec.HiddenSize, spec.VocabularySize, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override (Tensor Outputs, Tensor State) Encode(Tensor inputs, Tensor state)
    {
        var oneHot = nn.functional.one_hot(inputs.t(), Spec.VocabularySize).to(state.dtype);
        return rnn.call(oneHot, state);
    }

    public override Tensor Decode(Tensor outputs) =>
        output.call(outputs.reshape(-1, Spec.HiddenSize));
}
