using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace PSRnn.Engine.Models;

/// <summary>
/// The output layer and the mean cross-entropy in one autograd step: logits = X Wᵀ + b (W [classes,
/// in], libtorch's Linear layout) or X W + b (W [in, classes], d2l's), then −mean log softmax at the
/// targets. libtorch's own path keeps the logits and the log-probabilities, then builds a zero
/// gradient, scatters into it and runs log-softmax's backward: five passes over a [rows, classes]
/// block that is 25 MB for a 9k-word vocabulary, each a fresh allocation. Here one block is kept (the
/// log-probabilities) and turned into the logits' gradient in place, softmax − one-hot at the targets,
/// scaled by 1/rows; the bias gradient is one matrix-vector product instead of a column reduction.
/// </summary>
internal sealed class LinearCrossEntropy : MultiTensorFunction<LinearCrossEntropy>
{
    public override string Name => nameof(LinearCrossEntropy);

    /// <summary>Mean cross-entropy (a scalar) of inputs [rows, in] through the layer against class indices [rows].</summary>
    public static Tensor Mean(Tensor inputs, Tensor weight, Tensor bias, Tensor targets, bool outByIn) =>
        apply(inputs, weight, bias, targets, outByIn)[0];

    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var (inputs, weight, bias, targets) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        var outByIn = (bool)vars[4];
        Tensor logProbabilities;
        var shape = new[] { inputs.size(0), bias.size(0) };
        using (var logits = BufferPool.Shared.Empty(shape, inputs.dtype, inputs.device).copy_(bias.expand(shape)))
            logProbabilities = logits.addmm_(inputs, outByIn ? weight.t() : weight).log_softmax(1);
        var loss = logProbabilities.gather(1, targets.unsqueeze(1)).mean().neg_();
        ctx.save_for_backward(new List<Tensor> { logProbabilities, inputs.detach(), weight.detach(), targets });
        ctx.save_data("outByIn", outByIn);
        return new List<Tensor> { loss };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var saved = ctx.get_saved_variables();
        var (logProbabilities, inputs, weight, targets) = (saved[0], saved[1], saved[2], saved[3]);
        var outByIn = (bool)ctx.get_data("outByIn");
        var rows = logProbabilities.size(0);
        var scale = grad_outputs[0].div(rows);
        // The saved block is this step's alone and backward runs once: it becomes the gradient.
        var logits = logProbabilities.exp_().mul_(scale);
        logits.scatter_add_(1, targets.unsqueeze(1), scale.neg().expand(rows, 1));
        var inputsGradient = logits.mm(outByIn ? weight : weight.t());
        var weightGradient = SequenceBuffers.WeightGradient(inputs, logits, outByIn);
        var biasGradient = SequenceBuffers.ColumnSums(logits);
        return new List<Tensor> { inputsGradient, weightGradient, biasGradient, null!, null! };
    }
}
