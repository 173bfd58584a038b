using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// A recurrent language model: token indices [batch, steps] and a state [layers, batch, hidden]
/// in, logits [steps * batch, vocabulary] (time-major, as d2l) and the final state out.
/// </summary>
public abstract class RecurrentNetwork : nn.Module<Tensor, Tensor, (Tensor Logits, Tensor State)>
{
    protected RecurrentNetwork(string name, ModelSpec spec) : base(name) => Spec = spec;

    public ModelSpec Spec { get; }

    /// <summary>Hidden states of the top layer for every step, [steps, batch, hidden], and the final state.</summary>
    public abstract (Tensor Outputs, Tensor State) Encode(Tensor inputs, Tensor state);

    /// <summary>Logits for top-layer hidden states [steps, batch, hidden] -> [steps * batch, vocabulary].</summary>
    public abstract Tensor Decode(Tensor outputs);

    public override (Tensor Logits, Tensor State) forward(Tensor inputs, Tensor state)
    {
        var (outputs, final) = Encode(inputs, state);
        return (Decode(outputs), final);
    }

    public Tensor InitialState(long batchSize)
    {
        var any = parameters().First();
        return zeros(new[] { Spec.NumLayers * Spec.StateRowsPerLayer, batchSize, Spec.HiddenSize }, any.dtype, any.device);
    }
}
