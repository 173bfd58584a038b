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

    private Tensor? firstParameter;

    // parameters() walks the module tree; states and token rows are made per batch and per step,
    // so remember one parameter (a network is never moved after it is built).
    private Tensor FirstParameter => firstParameter ??= parameters().First();

    public Device Device => FirstParameter.device;

    public ScalarType DType => FirstParameter.dtype;

    public Tensor InitialState(long batchSize) =>
        zeros(new[] { Spec.NumLayers * Spec.StateRowsPerLayer, batchSize, Spec.HiddenSize }, DType, Device);

    /// <summary>Token indices as a [1, length] tensor on this network's device.</summary>
    public Tensor Row(long[] tokens, int start, int length) =>
        tensor(tokens.AsSpan(start, length).ToArray(), new long[] { 1, length }, device: Device);
}
