using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

// The three cells of d2l's from-scratch sections. The RNN and GRU run as sequence kernels (custom
// autograd functions); the LSTM runs step by step through libtorch's autograd. Gates computed side by
// side are taken apart with chunk (whose backward is one cat, where narrow's is a zero-filled copy per
// view), and activations run in place on a fresh addmm result (whose backward needs only its inputs).

/// <summary>H = tanh(X W_xh + H W_hh + b_h).</summary>
internal sealed class ScratchRnnCell(long inputSize, long hiddenSize, WeightInit init)
    : ScratchCell("h", inputSize, hiddenSize, init)
{
    public override Tensor Run(Tensor projected, Tensor[] state)
    {
        var (outputs, final) = TanhRnnSequence.Run(projected, state[0], HiddenWeights[0], outByIn: false);
        state[0] = final;
        return outputs;
    }
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
    public override Tensor Run(Tensor projected, Tensor[] state)
    {
        // [W_hz W_hr] side by side for one matmul per step, and W_hh alone (it multiplies R ⊙ H).
        var gateWeights = Side(HiddenWeights.Take(2).ToArray());
        var (outputs, final) = ResetBeforeGruSequence.Run(projected, state[0], gateWeights, HiddenWeights[2]);
        state[0] = final;
        return outputs;
    }
}

/// <summary>
/// d2l's LSTM: I, F, O = σ(X W_x* + H W_h* + b_*), C~ = tanh(X W_xc + H W_hc + b_c),
/// C = F ⊙ C + I ⊙ C~, H = O ⊙ tanh(C). The state rows are (h, c).
/// </summary>
internal sealed class ScratchLstmCell(long inputSize, long hiddenSize, WeightInit init)
    : ScratchCell("ifoc", inputSize, hiddenSize, init)
{
    public override Tensor Run(Tensor projected, Tensor[] state)
    {
        // All four hidden-side matrices side by side: one matmul per step.
        var hidden = Side(HiddenWeights);
        var steps = projected.unbind(0);
        var outputs = new Tensor[steps.Length];
        for (var t = 0; t < steps.Length; t++) outputs[t] = Step(steps[t], state, hidden);
        return stack(outputs);
    }

    private static Tensor Step(Tensor projected, Tensor[] state, Tensor hidden)
    {
        var gates = projected.addmm(state[0], hidden).chunk(4, 1);
        var (i, f, o, candidate) = (gates[0].sigmoid(), gates[1].sigmoid(), gates[2].sigmoid(), gates[3].tanh());
        // F ⊙ C + I ⊙ C~, accumulating into the fresh product (mul's backward needs only its inputs).
        var c = state[1] = (f * state[1]).addcmul_(i, candidate, 1);
        return state[0] = o * c.tanh();
    }
}
