using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// Pieces the sequence kernels share. A hidden-side weight is used as a right factor R (the step adds
/// H R): d2l's W_h* are (in, out) and are R themselves; libtorch's weight_hh is (out, in), so R is its
/// transpose, a view. Hidden states of a sequence live in one [steps + 1, batch, hidden] buffer whose
/// row 0 is the initial state, so the states every step started from are rows 0..steps − 1, one
/// contiguous view: each weight gradient is then one GEMM over all steps and batch rows.
/// </summary>
internal static class SequenceBuffers
{
    /// <summary>
    /// The right factor, or its transpose, in row-major storage: copied once per sequence when it is a
    /// transposed view, since MKL's GEMM with a transposed 512 x 512 operand and 32 rows takes 1.5x as long.
    /// </summary>
    public static Tensor RightFactor(Tensor weight, bool outByIn, bool transposed = false) =>
        (outByIn != transposed ? weight.t() : weight).contiguous();

    /// <summary>[steps + 1, batch, hidden], row 0 the initial state; the rest is filled step by step.</summary>
    public static Tensor States(Tensor initial, long steps)
    {
        var states = BufferPool.Shared.Empty(new[] { steps + 1, initial.size(0), initial.size(1) }, initial.dtype, initial.device);
        states[0].copy_(initial);
        return states;
    }

    /// <summary>The states each step started from, [steps * batch, hidden].</summary>
    public static Tensor Previous(Tensor states) => states.narrow(0, 0, states.size(0) - 1).reshape(-1, states.size(2));

    /// <summary>The gradient of the weight whose right factor met <paramref name="inputs"/> [rows, in] to give a product with gradient <paramref name="productGradient"/> [rows, out].</summary>
    public static Tensor WeightGradient(Tensor inputs, Tensor productGradient, bool outByIn) =>
        outByIn ? productGradient.t().mm(inputs) : inputs.t().mm(productGradient);

    /// <summary>
    /// The sum over all rows of [.., width] -> [width] (a bias gradient) as one GEMV: libtorch's sum over
    /// dim 0 runs at a twelfth of its speed here ([1120, 768]: 0.63 ms against 0.04 ms).
    /// </summary>
    public static Tensor ColumnSums(Tensor rows)
    {
        var flat = rows.reshape(-1, rows.size(-1));
        return flat.t().mv(ones(flat.size(0), flat.dtype, flat.device));
    }

    /// <summary>A private, contiguous copy of an incoming gradient (the engine may share the one it passes).</summary>
    public static Tensor OwnCopy(Tensor gradient) => BufferPool.Shared.Copy(gradient);

    /// <summary>The gradient with respect to the outputs of every step, plus the final state's on the last step.</summary>
    public static Tensor StepGradients(Tensor outputsGradient, Tensor finalGradient)
    {
        var gradients = OwnCopy(outputsGradient);
        gradients[gradients.size(0) - 1].add_(finalGradient);
        return gradients;
    }
}
