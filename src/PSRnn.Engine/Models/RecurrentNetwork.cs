using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// A recurrent language model: token indices [steps, batch] (time-major, as pytorch/examples'
/// batchify lays a corpus out) and a state [layers, batch, hidden] in; logits [steps * batch,
/// vocabulary], time-major as d2l's, and the final state out.
/// </summary>
internal abstract class RecurrentNetwork : nn.Module<Tensor, Tensor, (Tensor Logits, Tensor State)>
{
    protected RecurrentNetwork(string name, ModelSpec spec, Device device, ScalarType dtype) : base(name) =>
        (Spec, Device, DType) = (spec, device, dtype);

    public ModelSpec Spec { get; }

    /// <summary>Where the parameters live; a network is never moved after it is built.</summary>
    public Device Device { get; }

    public ScalarType DType { get; }

    /// <summary>Hidden states of the top layer for every step, [steps, batch, hidden], and the final state.</summary>
    public abstract (Tensor TopHidden, Tensor State) RunLayers(Tensor inputs, Tensor state);

    /// <summary>
    /// The output layer for top-layer hidden states [steps, batch, hidden]: its input [steps * batch,
    /// hidden] (after dropout where the model applies it), weight and bias. OutByIn: the weight is
    /// [vocabulary, hidden] (libtorch's Linear, or a tied embedding), otherwise [hidden, vocabulary] (d2l's W_hq).
    /// </summary>
    protected abstract (Tensor Inputs, Tensor Weight, Tensor Bias, bool OutByIn) OutputLayer(Tensor topHidden);

    /// <summary>Logits for top-layer hidden states [steps, batch, hidden] -> [steps * batch, vocabulary].</summary>
    public Tensor Logits(Tensor topHidden)
    {
        var (inputs, weight, bias, outByIn) = OutputLayer(topHidden);
        return bias.addmm(inputs, outByIn ? weight.t() : weight);
    }

    /// <summary>
    /// The mean cross-entropy of a batch against its targets [steps * batch] (time-major) and the final
    /// state: the training step's path, the output layer and the loss as one autograd step
    /// (<see cref="LinearCrossEntropy"/>), the same values as cross_entropy of <see cref="Logits"/>.
    /// </summary>
    public (Tensor Loss, Tensor State) MeanLoss(Tensor inputs, Tensor state, Tensor targets)
    {
        var (top, final) = RunLayers(inputs, state);
        var (features, weight, bias, outByIn) = OutputLayer(top);
        return (LinearCrossEntropy.Mean(features, weight, bias, targets, outByIn), final);
    }

    public override (Tensor Logits, Tensor State) forward(Tensor inputs, Tensor state)
    {
        var (top, final) = RunLayers(inputs, state);
        return (Logits(top), final);
    }

    /// <summary>Dropout in training mode (pytorch/examples' places for embedding models); the identity otherwise.</summary>
    protected Tensor Drop(Tensor values) => training && Spec.Dropout > 0 ? nn.functional.dropout(values, Spec.Dropout, true) : values;

    public Tensor InitialState(long batchSize) =>
        zeros(new[] { Spec.NumLayers * Spec.StateRowsPerLayer, batchSize, Spec.HiddenSize }, DType, Device);
}
