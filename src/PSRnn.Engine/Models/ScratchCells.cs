using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

// The three cells of d2l's from-scratch sections. Gates computed side by side are taken apart with
// chunk/split (whose backward is one cat, where narrow's is a zero-filled copy per view), and
// activations run in place on a fresh addmm result (whose backward needs only its inputs).

/// <summary>H = tanh(X W_xh + H W_hh + b_h).</summary>
internal sealed class ScratchRnnCell(long inputSize, long hiddenSize, WeightInit init)
    : ScratchCell("h", inputSize, hiddenSize, init)
{
    protected override Tensor[] HiddenWeights(Parameter[] perGate) => perGate;

    protected override Tensor Step(Tensor projected, Tensor[] state, Tensor[] hidden) =>
        state[0] = projected.addmm(state[0], hidden[0]).tanh_();
}

/// <summary>
/// d2l's GRU: Z = σ(X W_xz + H W_hz + b_z), R = σ(X W_xr + H W_hr + b_r),
/// H~ = tanh(X W_xh + (R ⊙ H) W_hh + b_h), H = Z ⊙ H + (1 − Z) ⊙ H~.
/// The reset gate scales H before the matmul; libtorch's GRU scales the product after it
/// (n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))), so the two are different functions except in
/// special cases such as a diagonal W_hh (README, "What the model does").
/// </summary>
internal sealed class ScratchGruCell(long inputSize, long hiddenSize, WeightInit init)
    : ScratchCell("zrh", inputSize, hiddenSize, init)
{
    // [W_hz W_hr] side by side for one matmul, and W_hh alone (it multiplies R ⊙ H).
    protected override Tensor[] HiddenWeights(Parameter[] perGate) => new[] { Side(perGate[..2]), perGate[2] };

    protected override Tensor Step(Tensor projected, Tensor[] state, Tensor[] hidden)
    {
        var h = state[0];
        var x = projected.split(new[] { 2 * HiddenSize, HiddenSize }, 1);
        var zr = x[0].addmm(h, hidden[0]).sigmoid_().chunk(2, 1);
        var candidate = x[1].addmm(zr[1] * h, hidden[1]).tanh_();
        // Z ⊙ H + (1 − Z) ⊙ H~ = H~ + Z ⊙ (H − H~): one lerp.
        return state[0] = candidate.lerp(h, zr[0]);
    }
}

/// <summary>
/// d2l's LSTM: I, F, O = σ(X W_x* + H W_h* + b_*), C~ = tanh(X W_xc + H W_hc + b_c),
/// C = F ⊙ C + I ⊙ C~, H = O ⊙ tanh(C). The state rows are (h, c).
/// </summary>
internal sealed class ScratchLstmCell(long inputSize, long hiddenSize, WeightInit init)
    : ScratchCell("ifoc", inputSize, hiddenSize, init)
{
    // All four hidden-side matrices side by side: one matmul per step.
    protected override Tensor[] HiddenWeights(Parameter[] perGate) => new[] { Side(perGate) };

    protected override Tensor Step(Tensor projected, Tensor[] state, Tensor[] hidden)
    {
        var gates = projected.addmm(state[0], hidden[0]).chunk(4, 1);
        var (i, f, o, candidate) = (gates[0].sigmoid(), gates[1].sigmoid(), gates[2].sigmoid(), gates[3].tanh());
        // F ⊙ C + I ⊙ C~, accumulating into the fresh product (mul's backward needs only its inputs).
        var c = state[1] = (f * state[1]).addcmul_(i, candidate, 1);
        return state[0] = o * c.tanh();
    }
}
