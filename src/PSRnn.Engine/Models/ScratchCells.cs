using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

// The three cells of d2l's from-scratch sections. Activations are applied in place on the fresh
// result of addmm (whose backward needs only its inputs), saving an allocation per step.

/// <summary>H = tanh(X W_xh + H W_hh + b_h).</summary>
internal sealed class ScratchRnnCell(long inputSize, long hiddenSize, ScalarType dtype, Device device)
    : ScratchCell("h", inputSize, hiddenSize, dtype, device)
{
    protected override Tensor[] HiddenWeights(Parameter[] perGate) => perGate;

    protected override Tensor Step(Tensor projected, Tensor[] state, Tensor[] hidden) =>
        state[0] = projected.addmm(state[0], hidden[0]).tanh_();
}

/// <summary>
/// d2l's GRU: Z = σ(X W_xz + H W_hz + b_z), R = σ(X W_xr + H W_hr + b_r),
/// H~ = tanh(X W_xh + (R ⊙ H) W_hh + b_h), H = Z ⊙ H + (1 − Z) ⊙ H~.
/// The reset gate scales H before the matmul; libtorch's GRU scales the product after it
/// (n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))), so the two are different functions unless
/// W_hh is diagonal (README, "What the model does").
/// </summary>
internal sealed class ScratchGruCell(long inputSize, long hiddenSize, ScalarType dtype, Device device)
    : ScratchCell("zrh", inputSize, hiddenSize, dtype, device)
{
    // [W_hz W_hr] side by side for one matmul, and W_hh alone (it multiplies R ⊙ H).
    protected override Tensor[] HiddenWeights(Parameter[] perGate) => new[] { Side(perGate[..2]), perGate[2] };

    protected override Tensor Step(Tensor projected, Tensor[] state, Tensor[] hidden)
    {
        var h = state[0];
        var n = HiddenSize;
        var zr = projected.narrow(1, 0, 2 * n).addmm(h, hidden[0]).sigmoid_();
        var z = zr.narrow(1, 0, n);
        var candidate = projected.narrow(1, 2 * n, n).addmm(zr.narrow(1, n, n) * h, hidden[1]).tanh_();
        // Z ⊙ H + (1 − Z) ⊙ H~ = H~ + Z ⊙ (H − H~): one lerp.
        return state[0] = candidate.lerp(h, z);
    }
}

/// <summary>
/// d2l's LSTM: I, F, O = σ(X W_x* + H W_h* + b_*), C~ = tanh(X W_xc + H W_hc + b_c),
/// C = F ⊙ C + I ⊙ C~, H = O ⊙ tanh(C). The state rows are (h, c).
/// </summary>
internal sealed class ScratchLstmCell(long inputSize, long hiddenSize, ScalarType dtype, Device device)
    : ScratchCell("ifoc", inputSize, hiddenSize, dtype, device)
{
    // All four hidden-side matrices side by side: one matmul per step.
    protected override Tensor[] HiddenWeights(Parameter[] perGate) => new[] { Side(perGate) };

    protected override Tensor Step(Tensor projected, Tensor[] state, Tensor[] hidden)
    {
        var n = HiddenSize;
        var gates = projected.addmm(state[0], hidden[0]);
        var ifo = gates.narrow(1, 0, 3 * n).sigmoid();
        var candidate = gates.narrow(1, 3 * n, n).tanh();
        // F ⊙ C + I ⊙ C~, accumulating into the fresh product (mul's backward needs only its inputs).
        var c = state[1] = (ifo.narrow(1, n, n) * state[1]).addcmul_(ifo.narrow(1, 0, n), candidate, 1);
        return state[0] = ifo.narrow(1, 2 * n, n) * c.tanh();
    }
}
